"""Instructor command line: ``python -m autograder release [CHAPTER]`` and ``python -m autograder check``."""

import argparse
import sys
import tempfile
from pathlib import Path

from autograder import integrity
from autograder.course import COURSE_ROOT, chapters, release


def release_command(args) -> int:
    for chapter in [args.chapter] if args.chapter else chapters():
        path = release(chapter)
        print(f"released {chapter}: {path.relative_to(COURSE_ROOT)}")
    return 0


def chapter_problems(chapter: str, scratch: Path) -> list[integrity.Problem]:
    """Every integrity problem of one chapter, using ``scratch`` for generated files."""
    workspace = integrity.prepare_workspace(chapter, COURSE_ROOT, scratch / chapter)
    scores = integrity.autograde_solution_and_release(chapter, COURSE_ROOT, workspace)
    return [
        *integrity.check_cell_metadata(chapter, COURSE_ROOT),
        *integrity.check_test_messages(chapter, COURSE_ROOT),
        *integrity.check_no_leaks(chapter, COURSE_ROOT),
        *integrity.check_release_current(chapter, COURSE_ROOT, workspace),
        *integrity.check_solution_full_marks(chapter, scores),
        *integrity.check_release_scores_zero(chapter, scores),
        *integrity.check_solution_executes(chapter, COURSE_ROOT, scratch),
    ]


def check_command(args) -> int:
    problems = integrity.check_toc(COURSE_ROOT)
    with tempfile.TemporaryDirectory(prefix="course-check-") as scratch:
        for chapter in [args.chapter] if args.chapter else chapters():
            problems += chapter_problems(chapter, Path(scratch))
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s) found" if problems else "course integrity: all checks pass")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    release_parser = commands.add_parser("release", help="regenerate student notebooks from solutions/")
    release_parser.add_argument("chapter", nargs="?", help="one chapter id (default: every chapter)")
    release_parser.set_defaults(run=release_command)
    check_parser = commands.add_parser("check", help="check the course integrity invariants")
    check_parser.add_argument("chapter", nargs="?", help="one chapter id (default: every chapter)")
    check_parser.set_defaults(run=check_command)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
