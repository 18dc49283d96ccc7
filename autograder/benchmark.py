"""Grading speed: plain nbgrader (sequential) against ``grade --jobs N``, on copies of chapter 1.1.

Run ``python -m autograder.benchmark [--submissions 40] [--jobs 2]``; it prints its figures and
touches nothing outside a scratch folder. Half the submissions are the solution, half the
unmodified release, so both passing and failing tests are graded.
"""

import argparse
import asyncio
import shutil
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder.course import COURSE_ROOT, SOURCE_DIR, SUBMITTED_DIR, release, release_notebook, run_nbgrader
from autograder.grading import Limits, grade_chapter

CHAPTER = "linear_regression"


def scratch_course(folder: Path, submissions: int) -> Path:
    """A course with the chapter released and ``submissions`` collected notebooks."""
    shutil.copytree(COURSE_ROOT / SOURCE_DIR / CHAPTER, folder / SOURCE_DIR / CHAPTER)
    release(CHAPTER, folder)
    sources = [COURSE_ROOT / SOURCE_DIR / CHAPTER / f"{CHAPTER}.ipynb", release_notebook(CHAPTER)]
    for index in range(submissions):
        target = folder / SUBMITTED_DIR / f"student{index:03d}" / CHAPTER / f"{CHAPTER}.ipynb"
        target.parent.mkdir(parents=True)
        shutil.copy(sources[index % 2], target)
    return folder


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def plain_execution_seconds() -> float:
    """One run of the solution notebook in an ordinary kernel: the work that grading cannot avoid."""
    notebook = nbformat.read(COURSE_ROOT / SOURCE_DIR / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    folder = COURSE_ROOT / SOURCE_DIR / CHAPTER
    client = NotebookClient(notebook, timeout=120, allow_errors=True, resources={"metadata": {"path": str(folder)}})
    return timed(lambda: asyncio.run(client.async_execute()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--overhead-sample", type=int, default=4, help="submissions graded one at a time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="grading-benchmark-") as scratch:
        root = Path(scratch)
        plain = scratch_course(root / "plain", args.submissions)
        ours = scratch_course(root / "ours", args.submissions)
        single = scratch_course(root / "single", args.overhead_sample)
        plain_seconds = timed(lambda: run_nbgrader("autograde", CHAPTER, "--create", "--force", course_root=plain))
        ours_seconds = timed(lambda: grade_chapter(CHAPTER, ours, jobs=args.jobs, limits=Limits()))
        single_seconds = timed(lambda: grade_chapter(CHAPTER, single, jobs=1, limits=Limits())) / args.overhead_sample
        execution = min(plain_execution_seconds() for _ in range(3))
    n = args.submissions
    print(f"submissions: {n} of {CHAPTER} (half correct, half unmodified release)")
    print(f"plain nbgrader autograde, sequential: {plain_seconds:7.1f} s  ({plain_seconds / n:.2f} s per submission)")
    print(
        f"grade --jobs {args.jobs}:                    {ours_seconds:7.1f} s  ({ours_seconds / n:.2f} s per submission)"
    )
    print(f"speed-up: {plain_seconds / ours_seconds:.2f}x")
    print(f"one submission alone, sandboxed: {single_seconds:.2f} s; plain notebook execution: {execution:.2f} s")
    print(f"grading overhead per submission: {single_seconds - execution:.2f} s")


if __name__ == "__main__":
    main()
