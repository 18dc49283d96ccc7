"""Autograde submissions in parallel, each in its own sandboxed kernel, and record the grades.

For every submission the grader rebuilds the notebook from the instructor's source (locked
and test cells, hidden tests included, come from the source; the student's answers and extra
cells from the submission), runs it cell by cell in a sandboxed kernel with a per-cell timeout,
a wall-clock budget and a memory limit, and scores each test cell. A submission that hangs,
crashes its kernel or exhausts memory keeps the points earned before that, with the reason.
Workers only compute; the parent process alone writes the gradebook, so parallel grading
cannot corrupt it.
"""

import asyncio
import json
import shutil
import tempfile
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.api import Gradebook
from nbgrader.utils import determine_grade, is_locked, is_solution
from sqlalchemy.exc import SAWarning

from autograder.course import (
    COURSE_ROOT,
    RELEASE_DIR,
    SUBMITTED_DIR,
    gradebook_url,
    is_autograded_test,
    solution_notebook,
)
from autograder.sandbox import SandboxKernelManager, sandbox_environment

AUTOGRADED_DIR = "grading/autograded"
RESULT_FILE = "result.json"
GUARD_SETUP = (
    "import autograder.guard as __autograder_guard\n__autograder_guard.take_snapshot()\ndel __autograder_guard"
)
GUARD_VERIFY = "__import__('autograder.guard').guard.verify()"


MAX_OUTPUT_CHARS = 1_000_000  # per cell: enough for any honest output, bounded for a print loop


class BoundedOutputClient(NotebookClient):
    """Keeps at most MAX_OUTPUT_CHARS of output per cell, so a print loop cannot fill the grader's memory."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.output_chars: dict[int, int] = {}

    def output(self, outs, msg, display_id, cell_index):
        used = self.output_chars.get(cell_index, 0)
        self.output_chars[cell_index] = used + len(str(msg["content"]))
        if self.output_chars[cell_index] <= MAX_OUTPUT_CHARS:
            return super().output(outs, msg, display_id, cell_index)
        if used <= MAX_OUTPUT_CHARS:
            outs.append(new_output("stream", name="stdout", text="\n[output cut: more than 1,000,000 characters]\n"))
        return None


@dataclass(frozen=True)
class Limits:
    cell_timeout: int = 60
    wall_seconds: int = 300
    memory_mb: int = 2048


@dataclass
class CellGrade:
    grade_id: str
    score: float
    max_score: float
    reason: str | None = None


@dataclass
class SubmissionResult:
    student: str
    chapter: str
    grades: list[CellGrade] = field(default_factory=list)
    status: str = "graded"  # graded | timed out | crashed | failed
    reason: str | None = None
    seconds: float = 0.0

    @property
    def score(self) -> float:
        return sum(grade.score for grade in self.grades)

    @property
    def max_score(self) -> float:
        return sum(grade.max_score for grade in self.grades)


def grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def cell_key(cell) -> str | None:
    """What identifies a cell across the source and a submission: its grade_id, else its cell id."""
    return grade_id(cell) or cell.get("id")


def assemble(source: NotebookNode, submission: NotebookNode) -> NotebookNode:
    """The notebook to grade: the source's locked and test cells, the student's answers and extra cells.

    Each extra cell of the student follows the nearest identified cell above it, so cells the
    student deleted, moved or edited cannot change which tests run or what they contain.
    """
    known = {cell_key(cell) for cell in source.cells}
    answers, extras, anchor = {}, {None: []}, None
    for cell in submission.cells:
        key = cell_key(cell)
        if key in known:
            answers[key], anchor = cell, key
        else:
            extras.setdefault(anchor, []).append(cell)
    cells = list(extras[None])
    for cell in source.cells:
        key = cell_key(cell)
        answer = answers.get(key)
        keep_answer = answer is not None and is_solution(cell) and not is_locked(cell)
        cells.append(answer if keep_answer else cell)
        cells.extend(extras.get(key, []))
    graded = nbformat.from_dict({**source, "cells": [nbformat.from_dict(dict(c)) for c in cells]})
    for cell in graded.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return graded


def error_output(name: str, message: str) -> NotebookNode:
    return new_output("error", ename=name, evalue=message, traceback=[f"{name}: {message}"])


async def run_cells(notebook: NotebookNode, workdir: Path, limits: Limits) -> tuple[str, str | None]:
    """Execute the notebook cell by cell in the sandbox; return (status, reason) for the run."""
    manager = SandboxKernelManager(workdir, limits.memory_mb)
    client = BoundedOutputClient(
        notebook,
        km=manager,
        timeout=limits.cell_timeout,
        allow_errors=True,
        startup_timeout=60,
        resources={"metadata": {"path": str(workdir)}},
    )
    deadline = time.monotonic() + limits.wall_seconds
    async with client.async_setup_kernel(env=sandbox_environment()):
        await run_unrecorded(client, GUARD_SETUP)
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code":
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 1:
                return (
                    "timed out",
                    f"stopped before cell {index}: the submission used its {limits.wall_seconds} s budget",
                )
            client.timeout = int(min(limits.cell_timeout, remaining))
            try:
                if is_autograded_test(cell) and not await guard_passes(client, cell):
                    continue
                await client.async_execute_cell(cell, index)
            except CellTimeoutError:
                cell.outputs.append(error_output("CellTimeoutError", f"no result within {client.timeout} s"))
                return "timed out", f"cell {index} ran longer than {client.timeout} s"
            except DeadKernelError:
                cell.outputs.append(error_output("DeadKernelError", "the kernel died while running this cell"))
                return (
                    "crashed",
                    f"the kernel died in cell {index} (a crash, os.exit, or more than {limits.memory_mb} MB)",
                )
    return "graded", None


async def run_unrecorded(client: NotebookClient, code: str) -> dict:
    """Run grader code in the kernel without adding it to the notebook; return the execute reply's content."""
    message_id = client.kc.execute(code, silent=True, store_history=False)
    reply = await client.async_wait_for_reply(message_id)
    return reply["content"]


async def guard_passes(client: NotebookClient, cell: NotebookNode) -> bool:
    """Run the tamper check before a test cell; on failure the test cell gets the check's error."""
    reply = await run_unrecorded(client, GUARD_VERIFY)
    if reply["status"] == "error":
        cell.outputs = [error_output(reply["ename"], reply["evalue"])]
    return reply["status"] != "error"


def score(notebook: NotebookNode) -> list[CellGrade]:
    """Points of each autograded cell; output on stderr (warnings) does not cost points."""
    grades = []
    for cell in filter(is_autograded_test, notebook.cells):
        counted = nbformat.from_dict(dict(cell))
        counted.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")]
        points, max_points = determine_grade(counted)
        errors = [o for o in cell.outputs if o.output_type == "error"]
        reason = f"{errors[0].ename}: {errors[0].evalue}" if errors else None
        if not cell.get("execution_count") and not errors:
            points, reason = 0.0, "not run: grading stopped before this cell"
        grades.append(CellGrade(grade_id(cell), float(points), float(max_points), reason))
    return grades


def grade_submission(chapter: str, student: str, course_root: Path, limits: Limits) -> SubmissionResult:
    """Grade one collected submission in a scratch folder; writes its autograded notebook."""
    started = time.monotonic()
    result = SubmissionResult(student, chapter)
    submitted = course_root / SUBMITTED_DIR / student / chapter / f"{chapter}.ipynb"
    source = nbformat.read(solution_notebook(chapter, course_root), as_version=4)
    try:
        submission = nbformat.read(submitted, as_version=4)
    except Exception as error:  # any unreadable file is the student's problem, not the batch's
        return failed_result(chapter, student, course_root, f"the submission is not a readable notebook ({error})")
    notebook = assemble(source, submission)
    with tempfile.TemporaryDirectory(prefix=f"grade-{student}-") as scratch:
        workdir = Path(scratch)
        copy_chapter_files(course_root / RELEASE_DIR / chapter, workdir)
        try:
            result.status, result.reason = asyncio.run(run_cells(notebook, workdir, limits))
        except Exception as error:  # the kernel could not start, or the protocol broke: say so, grade what ran
            result.status, result.reason = "failed", f"grading stopped: {type(error).__name__}: {error}"
    result.grades = score(notebook)
    write_autograded(notebook, course_root, student, chapter)
    result.seconds = time.monotonic() - started
    return result


def copy_chapter_files(release: Path, workdir: Path) -> None:
    """Data files that ship with the chapter, beside the notebook; never the notebook itself."""
    for path in release.iterdir() if release.is_dir() else []:
        if path.is_file() and path.suffix != ".ipynb":
            shutil.copy2(path, workdir / path.name)


def autograded_folder(course_root: Path, student: str, chapter: str) -> Path:
    return course_root / AUTOGRADED_DIR / student / chapter


def write_autograded(notebook: NotebookNode, course_root: Path, student: str, chapter: str) -> Path:
    target = autograded_folder(course_root, student, chapter) / f"{chapter}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, target)
    return target


def save_result(result: SubmissionResult, course_root: Path) -> None:
    """Keep the grading outcome beside the autograded notebook, for feedback and reports."""
    folder = autograded_folder(course_root, result.student, result.chapter)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / RESULT_FILE).write_text(json.dumps(asdict(result), indent=1))


def load_result(course_root: Path, student: str, chapter: str) -> SubmissionResult:
    data = json.loads((autograded_folder(course_root, student, chapter) / RESULT_FILE).read_text())
    return SubmissionResult(**{**data, "grades": [CellGrade(**grade) for grade in data["grades"]]})


def graded_students(chapter: str, course_root: Path) -> list[str]:
    root = course_root / AUTOGRADED_DIR
    return sorted(p.name for p in root.iterdir() if (p / chapter / RESULT_FILE).is_file()) if root.is_dir() else []


def submission_timestamp(course_root: Path, student: str, chapter: str) -> str | None:
    """The time the submission was made, as ``collect`` recorded it in nbgrader's timestamp.txt."""
    path = course_root / SUBMITTED_DIR / student / chapter / "timestamp.txt"
    return path.read_text().strip() if path.is_file() else None


def record(result: SubmissionResult, course_root: Path) -> None:
    """Write one submission's grades to the gradebook (called from the parent process only)."""
    timestamp = submission_timestamp(course_root, result.student, result.chapter)
    with warnings.catch_warnings(), Gradebook(gradebook_url(course_root)) as gradebook:
        # nbgrader's own submission code trips SQLAlchemy's autoflush warnings; they do not affect the data.
        warnings.simplefilter("ignore", SAWarning)
        gradebook.update_or_create_student(result.student)
        extra = {"timestamp": timestamp} if timestamp else {}
        gradebook.update_or_create_submission(result.chapter, result.student, **extra)
        for cell in result.grades:
            grade = gradebook.find_grade(cell.grade_id, result.chapter, result.chapter, result.student)
            grade.auto_score, grade.needs_manual_grade = cell.score, False
        gradebook.db.commit()


def collected_students(chapter: str, course_root: Path) -> list[str]:
    submitted = course_root / SUBMITTED_DIR
    return (
        sorted(p.name for p in submitted.iterdir() if (p / chapter / f"{chapter}.ipynb").is_file())
        if submitted.is_dir()
        else []
    )


def failed_result(chapter: str, student: str, course_root: Path, reason: str) -> SubmissionResult:
    """Zero on every test, with the reason: for submissions the grader itself could not handle."""
    source = nbformat.read(solution_notebook(chapter, course_root), as_version=4)
    grades = [
        CellGrade(grade_id(cell), 0.0, float(cell.metadata["nbgrader"]["points"]), reason)
        for cell in filter(is_autograded_test, source.cells)
    ]
    return SubmissionResult(student, chapter, grades, "failed", reason)


def grade_chapter(
    chapter: str, course_root: Path = COURSE_ROOT, jobs: int = 2, limits: Limits = Limits(), progress=None
):
    """Grade every collected submission of ``chapter`` with ``jobs`` parallel workers; return the results.

    Each result is written to the gradebook by this process as soon as its worker finishes.
    """
    students = collected_students(chapter, course_root)
    results = []
    with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=get_context("spawn")) as pool:
        futures = {
            pool.submit(grade_submission, chapter, student, course_root, limits): student for student in students
        }
        for future in as_completed(futures):
            try:
                result = future.result()
            except Exception as error:  # a worker that died must not stop the batch
                reason = f"the grading worker failed: {type(error).__name__}: {error}"
                result = failed_result(chapter, futures[future], course_root, reason)
            save_result(result, course_root)
            record(result, course_root)
            results.append(result)
            if progress is not None:
                progress(result)
    return sorted(results, key=lambda result: result.student)
