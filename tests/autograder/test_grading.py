"""Grading survives broken and hostile submissions: each gets the grade it deserves, with the reason.

The submissions are made here from the real chapter 1.1 notebooks and graded in one parallel batch.
"""

import contextlib
import html
import io
import shutil
import socket
import threading

import nbformat
import pandas
import pytest
from nbgrader.api import Gradebook

from autograder.__main__ import main
from autograder.course import COURSE_ROOT, SOURCE_DIR, release, release_notebook, solution_notebook
from autograder.feedback import HIDDEN_TESTS, feedback_notebook
from autograder.grading import assemble, load_result

CHAPTER = "linear_regression"
FULL = 18.0


def notebook_with(base, replacements: dict[str, str] | None = None, drop: tuple = (), prepend: str | None = None):
    """A copy of ``base`` with cells (by grade_id) rewritten, dropped, or code put before everything."""
    notebook = nbformat.read(base, as_version=4)
    cells = []
    for cell in notebook.cells:
        key = cell.metadata.get("nbgrader", {}).get("grade_id")
        if key in drop:
            continue
        if key in (replacements or {}):
            cell.source = replacements[key]
        cells.append(cell)
    if prepend is not None:
        cells.insert(0, nbformat.v4.new_code_cell(prepend))
    notebook.cells = cells
    return notebook


def solved(grade_id: str) -> str:
    notebook = nbformat.read(solution_notebook(CHAPTER), as_version=4)
    return next(c.source for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def with_body(grade_id: str, statement: str) -> str:
    """The solution of ``grade_id`` with ``statement`` run first inside the function."""
    lines = solved(grade_id).splitlines()
    return "\n".join([*lines[:2], f"    {statement}", *lines[2:]])


class ListeningServer:
    """A TCP server on loopback that counts the connections it receives."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while self.running:
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.close()

    def close(self):
        self.running = False
        self.thread.join()
        self.socket.close()


def submissions(server_port: int) -> dict:
    solution, stub = solution_notebook(CHAPTER), release_notebook(CHAPTER)
    secret = COURSE_ROOT / SOURCE_DIR / CHAPTER / f"{CHAPTER}.ipynb"
    return {
        "correct": notebook_with(solution),
        "partial": notebook_with(stub, {"predict": solved("predict"), "mse": solved("mse")}),
        "loops_forever": notebook_with(
            solution, {"fit_gradient_descent": with_body("fit_gradient_descent", "while True: pass")}
        ),
        "kills_kernel": notebook_with(
            solution, {"fit_normal_equation": with_body("fit_normal_equation", "import os; os.kill(os.getpid(), 9)")}
        ),
        "exhausts_memory": notebook_with(
            solution, {"fit_normal_equation": with_body("fit_normal_equation", "hog = np.ones(10**10)")}
        ),
        "warns_on_stderr": notebook_with(
            solution,
            {
                "predict": with_body(
                    "predict", "import sys, warnings; print('debug', file=sys.stderr); warnings.warn('slow')"
                )
            },
        ),
        "edits_tests": notebook_with(
            solution, {"test_mse": "pass", "test_fit_normal_equation": "assert True"}, drop=("test_predict",)
        ),
        "deletes_tests_of_stubs": notebook_with(stub, drop=("test_predict", "test_mse", "test_mse_gradient")),
        "missing_package": notebook_with(
            solution, {"predict": "import package_that_does_not_exist\n" + solved("predict")}
        ),
        "patches_numpy": notebook_with(
            stub, prepend="import numpy\nnumpy.allclose = lambda *a, **k: True\nnumpy.abs = lambda x: 0 * x"
        ),
        "patches_helpers": notebook_with(
            stub, prepend="import autograder.checks as c\nc.check_close = c.check_shape = lambda *a, **k: None"
        ),
        "rebinds_helpers": notebook_with(stub, prepend="check_close = check_shape = lambda *a, **k: None"),
        "reads_solution": notebook_with(
            solution,
            prepend=f"print(open({str(secret)!r}).read()[:200])\nprint(open('grading/gradebook.db', 'rb').read(16))",
        ),
        "floods_output": notebook_with(solution, prepend="print('x' * 5_000_000)"),
        "removes_guard": notebook_with(
            stub,
            prepend="import sys, numpy\ndel sys.modules['autograder.guard']\nnumpy.allclose = lambda *a, **k: True",
        ),
        "opens_network": notebook_with(
            solution, prepend=f"import socket\nsocket.create_connection(('127.0.0.1', {server_port}), timeout=3)"
        ),
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every submission above collected, graded (two at once), given feedback, exported and reported, via the CLI."""
    course, inbox = tmp_path_factory.mktemp("course"), tmp_path_factory.mktemp("inbox")
    shutil.copytree(COURSE_ROOT / SOURCE_DIR / CHAPTER, course / SOURCE_DIR / CHAPTER)
    release(CHAPTER, course)
    server = ListeningServer()
    for student, notebook in submissions(server.port).items():
        nbformat.write(notebook, inbox / f"{student}.ipynb")
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        for command in (
            ["collect", CHAPTER, str(inbox)],
            ["grade", CHAPTER, "--jobs", "2", "--cell-timeout", "10", "--time-limit", "120"],
            ["feedback", CHAPTER],
            ["export", "--output", "grades.csv"],
            ["report", CHAPTER],
        ):
            assert main(["--course", str(course), *command]) == 0, output.getvalue()
    server.close()
    results = {student: load_result(course, student, CHAPTER) for student in submissions(0)}
    return course, results, server, output.getvalue()


def scores(result) -> dict:
    return {grade.grade_id: grade.score for grade in result.grades}


def reasons(result) -> str:
    return " | ".join(grade.reason or "" for grade in result.grades)


def test_the_whole_batch_is_graded(graded):
    _, results, _, output = graded
    assert sorted(results) == sorted(submissions(0))
    assert "collected 16 submissions, rejected 0" in output
    assert "graded 16 submissions of linear_regression (6 with full marks)" in output
    assert "1 timed out, 1 crashed" in output


def test_correct_submission_gets_full_marks(graded):
    result = graded[1]["correct"]
    assert (result.status, result.score, result.max_score) == ("graded", FULL, FULL), reasons(result)


def test_partial_submission_gets_exactly_the_points_it_earned(graded):
    result = graded[1]["partial"]
    assert result.score == 4.0, scores(result)
    assert scores(result)["test_predict"] == 2.0 and scores(result)["test_mse"] == 2.0


def test_endless_loop_keeps_earlier_points_and_says_it_timed_out(graded):
    result = graded[1]["loops_forever"]
    assert (result.status, result.score) == ("timed out", FULL - 5), reasons(result)
    assert "ran longer than 10 s" in result.reason


def test_killed_kernel_keeps_earlier_points_and_says_it_died(graded):
    result = graded[1]["kills_kernel"]
    assert (result.status, result.score) == ("crashed", 10.0), reasons(result)
    assert "kernel died" in result.reason
    assert "not run" in {g.grade_id: g.reason for g in result.grades}["test_fit_gradient_descent_converges"]


def test_memory_hog_loses_only_that_exercise(graded):
    result = graded[1]["exhausts_memory"]
    assert (result.status, result.score) == ("graded", FULL - 3), reasons(result)
    assert "MemoryError" in {g.grade_id: g.reason for g in result.grades}["test_fit_normal_equation"]


def test_output_on_stderr_does_not_cost_points(graded):
    result = graded[1]["warns_on_stderr"]
    assert result.score == FULL, reasons(result)


def test_edited_or_deleted_test_cells_are_restored(graded):
    assert graded[1]["edits_tests"].score == FULL, reasons(graded[1]["edits_tests"])
    stubs = graded[1]["deletes_tests_of_stubs"]
    assert stubs.score == 0.0 and len(stubs.grades) == 7, scores(stubs)


def test_missing_package_fails_only_what_depends_on_it(graded):
    result = graded[1]["missing_package"]
    assert result.score == FULL - 2 - 5, scores(result)
    assert "ModuleNotFoundError" in {g.grade_id: g.reason for g in result.grades}[
        "test_predict"
    ] or "NameError" in reasons(result)


@pytest.mark.parametrize(
    ("student", "names"), [("patches_numpy", "numpy.abs, numpy.allclose"), ("patches_helpers", "autograder.checks")]
)
def test_monkeypatching_is_detected_and_scores_nothing(graded, student, names):
    result = graded[1][student]
    assert result.score == 0.0, scores(result)
    assert all(g.reason.startswith("TamperingDetected") for g in result.grades), reasons(result)
    assert names.split(",")[0] in result.grades[0].reason


def test_removing_the_tamper_check_is_itself_detected(graded):
    result = graded[1]["removes_guard"]
    assert result.score == 0.0
    assert "removed the grader's record" in result.grades[0].reason, reasons(result)


def test_output_flood_is_cut_and_costs_nothing(graded):
    course, results, _, _ = graded
    assert results["floods_output"].score == FULL, reasons(results["floods_output"])
    autograded = course / "grading/autograded/floods_output" / CHAPTER / f"{CHAPTER}.ipynb"
    assert autograded.stat().st_size < 1_500_000
    assert "[output cut: more than 1,000,000 characters]" in autograded.read_text()


def test_rebound_helper_names_are_restored_before_each_test(graded):
    result = graded[1]["rebinds_helpers"]
    assert result.score == 0.0
    assert "NotImplementedError" in result.grades[0].reason, reasons(result)


def test_solution_and_gradebook_are_not_readable_from_a_submission(graded):
    course, results, _, _ = graded
    assert results["reads_solution"].score == FULL
    autograded = (course / "grading/autograded/reads_solution" / CHAPTER / f"{CHAPTER}.ipynb").read_text()
    assert "FileNotFoundError" in autograded
    assert "BEGIN SOLUTION" not in nbformat.reads(autograded, as_version=4).cells[0].get("outputs", [{}])[0].get(
        "evalue", ""
    )


def test_network_is_unreachable_from_a_submission(graded):
    _, results, server, _ = graded
    assert server.connections == 0, "the submission reached a server on the grading machine"
    assert results["opens_network"].score == FULL


def test_grades_are_in_the_gradebook(graded):
    course, results, _, _ = graded
    with Gradebook(f"sqlite:///{course / 'grading' / 'gradebook.db'}") as gradebook:
        recorded = {s.student.id: s.score for s in gradebook.assignment_submissions(CHAPTER)}
    assert recorded == {student: result.score for student, result in results.items()}


def test_assembled_notebook_takes_tests_from_the_source_and_answers_from_the_student():
    source = nbformat.read(solution_notebook(CHAPTER), as_version=4)
    submission = notebook_with(release_notebook(CHAPTER), {"test_mse": "pass"}, drop=("test_predict",))
    extra = nbformat.v4.new_code_cell("helper = 1")
    submission.cells.insert(8, extra)
    assembled = assemble(source, submission)
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in assembled.cells}
    assert "BEGIN HIDDEN TESTS" in by_id["test_mse"].source and "BEGIN HIDDEN TESTS" in by_id["test_predict"].source
    assert "NotImplementedError" in by_id["predict"].source
    assert sum(c.source == "helper = 1" for c in assembled.cells) == 1
    assert len(assembled.cells) == len(source.cells) + 1


def hidden_test_lines() -> set[str]:
    source = nbformat.read(solution_notebook(CHAPTER), as_version=4)
    regions = [match.group(0) for cell in source.cells for match in HIDDEN_TESTS.finditer(cell.source)]
    lines = {line.strip() for region in regions for line in region.splitlines()}
    return {line for line in lines if len(line) > 12 and "HIDDEN TESTS" not in line}


@pytest.mark.parametrize("student", ["correct", "partial", "loops_forever", "patches_numpy"])
def test_feedback_never_shows_hidden_test_code(graded, student):
    course, results, _, _ = graded
    shown = nbformat.writes(feedback_notebook(results[student], course))
    assert hidden_test_lines(), "the chapter has no hidden tests to look for"
    leaked = [line for line in hidden_test_lines() if line in shown]
    assert not leaked, f"feedback for {student} shows hidden test code: {leaked[:3]}"


def test_feedback_page_gives_the_score_and_the_reason_for_each_lost_point(graded):
    course = graded[0]
    page = html.unescape((course / "grading/feedback/loops_forever" / CHAPTER / f"{CHAPTER}.html").read_text())
    assert "Score: 13 / 18" in page
    assert "ran longer than 10 s" in page
    assert "not run: grading stopped before this cell" in page
    assert "Check that predict returns X @ w + b" in page


def test_export_has_one_row_per_student_with_its_total(graded):
    course, results, _, _ = graded
    table = pandas.read_csv(course / "grades.csv")
    assert dict(zip(table["student"], table["total"], strict=True)) == {s: r.score for s, r in results.items()}
    assert (course / "grading/reports" / f"{CHAPTER}_report.md").is_file()
