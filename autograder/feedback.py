"""Per-student HTML feedback: visible tests and their results, the reason for each lost point, no hidden tests."""

import html
import re
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbformat.v4 import new_markdown_cell, new_output

from autograder.course import is_autograded_test
from autograder.grading import AUTOGRADED_DIR, SubmissionResult

FEEDBACK_DIR = "grading/feedback"
HIDDEN_TESTS = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", re.DOTALL)
HIDDEN_NOTE = "# (hidden tests ran here when your work was graded)"


def without_hidden_tests(cell) -> None:
    """Remove hidden test code from a test cell, and reduce its error to the message the tests wrote."""
    cell.source = HIDDEN_TESTS.sub(HIDDEN_NOTE, cell.source)
    cell.outputs = [
        new_output("error", ename=o.ename, evalue=o.evalue, traceback=[f"{o.ename}: {o.evalue}"])
        if o.output_type == "error"
        else o
        for o in cell.outputs
    ]


def summary_cell(result: SubmissionResult):
    rows = "\n".join(
        f"| {grade.grade_id} | {grade.score:g} / {grade.max_score:g} | {html.escape(grade.reason or 'passed')} |"
        for grade in result.grades
    )
    status = f"\n\n**Grading stopped early:** {html.escape(result.reason)}" if result.reason else ""
    return new_markdown_cell(
        f"# Feedback: {result.chapter}\n\n**Score: {result.score:g} / {result.max_score:g}**{status}\n\n"
        f"| Test | Points | Result |\n|---|---|---|\n{rows}"
    )


def feedback_notebook(result: SubmissionResult, course_root: Path):
    """The autograded notebook as the student may see it: results summary on top, hidden tests removed."""
    name = f"{result.chapter}.ipynb"
    notebook = nbformat.read(course_root / AUTOGRADED_DIR / result.student / result.chapter / name, as_version=4)
    for cell in filter(is_autograded_test, notebook.cells):
        without_hidden_tests(cell)
    notebook.cells.insert(0, summary_cell(result))
    return notebook


def write_feedback(result: SubmissionResult, course_root: Path) -> Path:
    """Render the feedback page of one graded submission; return its path."""
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(feedback_notebook(result, course_root))
    target = course_root / FEEDBACK_DIR / result.student / result.chapter / f"{result.chapter}.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body)
    return target
