"""The invariants every chapter keeps, as checks that return the problems they find.

Each check takes a course root (the real course, or a small fixture course in the tests)
and returns a list of :class:`Problem`; an empty list means the chapter is sound.
"""

import ast
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
import papermill
import yaml
from nbgrader.api import Gradebook

from autograder.course import (
    RELEASE_DIR,
    SOURCE_DIR,
    SUBMITTED_DIR,
    chapters,
    gradebook_url,
    is_autograded_test,
    release,
    release_notebook,
    run_nbgrader,
    solution_notebook,
)

GRADE_ID = re.compile(r"^[a-z][a-z0-9_]*$")
REGION = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)(.*?)### END \1", re.DOTALL)
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
SOLUTION_STUDENT = "solution"
RELEASE_STUDENT = "unmodified_release"
PAGE_SUFFIXES = (".md", ".ipynb")
EXECUTION_TIMEOUT_SECONDS = 600  # per cell: a chapter is sized for seconds, so this only stops a hang


@dataclass(frozen=True)
class Problem:
    chapter: str
    check: str
    message: str

    def __str__(self) -> str:
        return f"[{self.chapter}] {self.check}: {self.message}"


def nbgrader_cells(notebook) -> list:
    """Cells that carry nbgrader metadata."""
    return [cell for cell in notebook.cells if "nbgrader" in cell.metadata]


def docstring_problem(source: str) -> str | None:
    """Why a test cell's opening docstring is missing or not one line, or None if it is fine."""
    try:
        body = ast.parse(source).body
    except SyntaxError as error:
        return f"does not parse: {error.msg} (line {error.lineno})"
    first = body[0] if body else None
    if not (
        isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)
    ):
        return "does not open with a docstring saying what it checks"
    if "\n" in first.value.value.strip():
        return "has a docstring of more than one line"
    return None


def check_cell_metadata(chapter: str, course_root: Path) -> list[Problem]:
    """Every graded cell has points, a stable unique grade_id, and (for tests) a one-line docstring."""
    notebook = nbformat.read(solution_notebook(chapter, course_root), as_version=4)
    problems, seen = [], set()

    def problem(message: str) -> None:
        problems.append(Problem(chapter, "cell metadata", message))

    for index, cell in enumerate(nbgrader_cells(notebook)):
        meta = cell.metadata["nbgrader"]
        grade_id = meta.get("grade_id", "")
        where = f"cell {index} ({grade_id or 'no grade_id'})"
        if not GRADE_ID.match(grade_id):
            problem(f"{where}: grade_id must be lower_snake_case and chosen by hand, not {grade_id!r}")
        if grade_id in seen:
            problem(f"{where}: grade_id {grade_id!r} is used twice")
        seen.add(grade_id)
        if meta.get("schema_version") != 3:
            problem(f"{where}: nbgrader schema_version must be 3")
        if meta.get("grade") and not (isinstance(meta.get("points"), int | float) and meta["points"] > 0):
            problem(f"{where}: a graded cell needs positive points")
        if is_autograded_test(cell):
            if not meta.get("locked"):
                problem(f"{where}: a test cell must be locked")
            reason = docstring_problem(cell.source)
            if reason:
                problem(f"{where}: test cell {reason}")
    if not any(is_autograded_test(cell) for cell in notebook.cells):
        problem("the chapter has no autograded test cell")
    return problems


def check_test_messages(chapter: str, course_root: Path) -> list[Problem]:
    """Every assert in a test cell carries a message, so a failing test tells the student what is wrong."""
    notebook = nbformat.read(solution_notebook(chapter, course_root), as_version=4)
    problems = []
    for cell in filter(is_autograded_test, notebook.cells):
        grade_id = cell.metadata["nbgrader"].get("grade_id")
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue  # reported by check_cell_metadata
        problems += [
            Problem(chapter, "test message", f"{grade_id} line {node.lineno}: assert without a message for the student")
            for node in ast.walk(tree)
            if isinstance(node, ast.Assert) and node.msg is None
        ]
    return problems


def protected_lines(notebook) -> set[str]:
    """Meaningful lines that appear only inside solution or hidden-test regions."""
    inside, outside = set(), set()
    for cell in notebook.cells:
        regions = [match.group(2) for match in REGION.finditer(cell.source)]
        inside.update(line.strip() for region in regions for line in region.splitlines())
        outside.update(line.strip() for line in REGION.sub("", cell.source).splitlines())
    return {line for line in inside - outside if sum(ch.isalnum() for ch in line) >= 3}


def check_no_leaks(chapter: str, course_root: Path) -> list[Problem]:
    """No solution code, hidden-test text or region marker appears in the student release."""
    release_path = release_notebook(chapter, course_root)
    if not release_path.is_file():
        return [Problem(chapter, "leak", f"no release at {release_path.relative_to(course_root)}")]
    released = nbformat.read(release_path, as_version=4)
    secret = protected_lines(nbformat.read(solution_notebook(chapter, course_root), as_version=4))
    problems = []
    for index, cell in enumerate(released.cells):
        problems += [
            Problem(chapter, "leak", f"release cell {index} contains solution or hidden-test line {line!r}")
            for line in sorted(secret)
            if line in cell.source
        ]
        problems += [
            Problem(chapter, "leak", f"release cell {index} contains the marker {marker!r}")
            for marker in MARKERS
            if marker in cell.source
        ]
    return problems


def notebook_files(folder: Path) -> dict[str, object]:
    """The files of an assignment folder, notebooks parsed (so formatting does not matter)."""
    files = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and ".ipynb_checkpoints" not in p.parts):
        key = str(path.relative_to(folder))
        files[key] = nbformat.read(path, as_version=4) if path.suffix == ".ipynb" else path.read_bytes()
    return files


def prepare_workspace(chapter: str, course_root: Path, workspace: Path) -> Path:
    """A scratch course in ``workspace`` holding the chapter's source and a freshly generated release."""
    shutil.copytree(course_root / SOURCE_DIR / chapter, workspace / SOURCE_DIR / chapter)
    release(chapter, workspace)
    return workspace


def check_release_current(chapter: str, course_root: Path, workspace: Path) -> list[Problem]:
    """The committed release is exactly what nbgrader generates from the solution (see prepare_workspace)."""
    committed = course_root / RELEASE_DIR / chapter
    if not committed.is_dir():
        return [Problem(chapter, "stale release", "no release: run `make release`")]
    expected, actual = notebook_files(workspace / RELEASE_DIR / chapter), notebook_files(committed)
    problems = [
        Problem(chapter, "stale release", f"{name} is missing from the release")
        for name in expected.keys() - actual.keys()
    ]
    problems += [
        Problem(chapter, "stale release", f"{name} is in the release but not generated")
        for name in actual.keys() - expected.keys()
    ]
    for name in expected.keys() & actual.keys():
        if expected[name] != actual[name]:
            problems.append(
                Problem(chapter, "stale release", f"{name} differs from what nbgrader generates: run `make release`")
            )
    return problems


def autograde_solution_and_release(chapter: str, course_root: Path, workspace: Path) -> dict[str, dict[str, tuple]]:
    """Submit the solution and the unmodified release, autograde both; scores by student and grade_id."""
    for student, source in (
        (SOLUTION_STUDENT, course_root / SOURCE_DIR / chapter),
        (RELEASE_STUDENT, course_root / RELEASE_DIR / chapter),
    ):
        shutil.copytree(source, workspace / SUBMITTED_DIR / student / chapter, dirs_exist_ok=True)
    run_nbgrader("autograde", chapter, "--create", "--force", course_root=workspace)
    scores = {}
    with Gradebook(gradebook_url(workspace)) as gradebook:
        for student in (SOLUTION_STUDENT, RELEASE_STUDENT):
            submission = gradebook.find_submission_notebook(chapter, chapter, student)
            scores[student] = {
                grade.name: (grade.score, grade.max_score)
                for grade in submission.grades
                if grade.auto_score is not None
            }
    return scores


def check_solution_full_marks(chapter: str, scores: dict) -> list[Problem]:
    """The solution earns every point of every autograded cell."""
    return [
        Problem(chapter, "solution grading", f"{grade_id} gives the solution {score} of {max_score} points")
        for grade_id, (score, max_score) in sorted(scores[SOLUTION_STUDENT].items())
        if score != max_score
    ]


def check_release_scores_zero(chapter: str, scores: dict) -> list[Problem]:
    """The unmodified release earns nothing: every autograded test can fail."""
    return [
        Problem(chapter, "test cannot fail", f"{grade_id} gives the unmodified release {score} of {max_score} points")
        for grade_id, (score, max_score) in sorted(scores[RELEASE_STUDENT].items())
        if score != 0
    ]


def check_solution_executes(chapter: str, course_root: Path, output_dir: Path) -> list[Problem]:
    """The solution runs top to bottom on a fresh kernel (papermill) without errors or stderr output."""
    source = solution_notebook(chapter, course_root)
    output = output_dir / f"{chapter}.executed.ipynb"
    try:
        papermill.execute_notebook(
            source,
            output,
            cwd=source.parent,
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            execution_timeout=EXECUTION_TIMEOUT_SECONDS,
        )
    except papermill.PapermillExecutionError as error:
        return [Problem(chapter, "execution", f"cell {error.cell_index} raised {error.ename}: {error.evalue}")]
    executed = nbformat.read(output, as_version=4)
    return [
        Problem(chapter, "execution", f"cell {index} wrote to stderr: {out.get('text', '')[:200]!r}")
        for index, cell in enumerate(executed.cells)
        for out in cell.get("outputs", [])
        if out.get("output_type") == "stream" and out.get("name") == "stderr"
    ]


def toc_files(toc: dict) -> list[str]:
    """Every page named in a Jupyter Book _toc.yml, in order."""
    found = []

    def walk(node) -> None:
        if isinstance(node, dict):
            found.extend(node[key] for key in ("root", "file") if key in node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return found


def page_path(course_root: Path, name: str) -> Path | None:
    """The file of a toc entry (named with or without its suffix), or None."""
    candidates = [course_root / name] + [course_root / f"{name}{suffix}" for suffix in PAGE_SUFFIXES]
    return next((path for path in candidates if path.is_file()), None)


def check_toc(course_root: Path) -> list[Problem]:
    """_toc.yml names only existing pages, lists every book page, and gives each chapter a page linking its notebook."""
    course_root = course_root.resolve()
    toc_path = course_root / "_toc.yml"
    listed = toc_files(yaml.safe_load(toc_path.read_text()))
    problems = [
        Problem("book", "toc", f"_toc.yml names {name!r}, which does not exist")
        for name in listed
        if page_path(course_root, name) is None
    ]
    pages = {path.resolve() for name in listed if (path := page_path(course_root, name))}
    book_pages = {
        p.resolve() for p in (course_root / "book").rglob("*") if p.suffix in PAGE_SUFFIXES and "_build" not in p.parts
    }
    problems += [
        Problem("book", "toc", f"{p.relative_to(course_root)} is not in _toc.yml") for p in sorted(book_pages - pages)
    ]
    for chapter in chapters(course_root):
        page = next((p for p in pages if p.stem == chapter), None)
        if page is None:
            problems.append(Problem(chapter, "toc", f"no book page named {chapter}.md in _toc.yml"))
        elif not re.search(rf"^```{{graded-notebook}} {chapter}\s*$", page.read_text(), re.MULTILINE):
            directive = f"```{{graded-notebook}} {chapter}"
            message = f"{page.relative_to(course_root)} does not hand out its notebook ({directive})"
            problems.append(Problem(chapter, "toc", message))
    return problems
