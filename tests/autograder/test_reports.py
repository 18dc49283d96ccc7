"""Grade export and reports on a real gradebook: generated submissions of the fixture course, autograded by nbgrader."""

import copy
import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder.course import release, release_notebook, run_nbgrader, solution_notebook
from autograder.reports import chapter_report, export_csv, grade_rows

FIXTURE_COURSE = Path(__file__).resolve().parents[1] / "fixtures" / "course"
REPO_ROOT = Path(__file__).resolve().parents[2]
CHAPTER = "toy"
HEADER = ["student", "chapter", "submitted", "test_add", "test_hypotenuse", "total", "max_total"]

RIGHT_ADD = "def add(a, b):\n    return a + b"
RIGHT_HYPOTENUSE = "def hypotenuse(a, b):\n    return math.sqrt(a * a + b * b)"
WRONG_ADD = "def add(a, b):\n    return a - b"
WRONG_HYPOTENUSE = "def hypotenuse(a, b):\n    return a + b"
# The answer cells each student fills in; a cell not listed keeps the release stub (raise NotImplementedError).
SUBMISSIONS = {
    "alice": {"add": RIGHT_ADD, "hypotenuse": RIGHT_HYPOTENUSE},
    "bob": {"add": RIGHT_ADD},
    "carol": {"add": WRONG_ADD, "hypotenuse": WRONG_HYPOTENUSE},
}
# student, chapter, submitted, test_add, test_hypotenuse, total, max_total
EXPECTED_TOY_ROWS = [
    ("alice", "toy", True, 2.0, 3.0, 5.0, 5.0),
    ("bob", "toy", True, 2.0, 0.0, 2.0, 5.0),
    ("carol", "toy", True, 0.0, 0.0, 0.0, 5.0),
    ("dave", "toy", False, 0.0, 0.0, 0.0, 5.0),
]


def gradebook_url(course: Path) -> str:
    return f"sqlite:///{course / 'grading' / 'gradebook.db'}"


def cell_index(notebook, grade_id: str) -> int:
    return next(i for i, c in enumerate(notebook.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def write_submission(course: Path, student: str, answers: dict[str, str]) -> None:
    """The release notebook with the answer cells named in ``answers`` filled in, as ``student``'s submission."""
    notebook = copy.deepcopy(nbformat.read(release_notebook(CHAPTER, course), as_version=4))
    for grade_id, source in answers.items():
        notebook.cells[cell_index(notebook, grade_id)].source = source
    path = course / "grading" / "submitted" / student / CHAPTER / f"{CHAPTER}.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(notebook, path)


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory) -> Path:
    """The fixture course with alice, bob and carol's submissions autograded, and dave who never submitted."""
    course = tmp_path_factory.mktemp("reports") / "course"
    shutil.copytree(FIXTURE_COURSE, course, ignore=shutil.ignore_patterns("grading"))
    release(CHAPTER, course)
    for student, answers in SUBMISSIONS.items():
        write_submission(course, student, answers)
    run_nbgrader("autograde", CHAPTER, "--create", "--force", course_root=course)
    with Gradebook(gradebook_url(course)) as gradebook:
        gradebook.add_student("dave")
    return course


@pytest.fixture
def course_copy(graded_course, tmp_path) -> Path:
    """A scratch copy of the graded course that a test may change."""
    return Path(shutil.copytree(graded_course, tmp_path / "course"))


@pytest.fixture
def two_chapter_course(course_copy) -> Path:
    """The graded course plus a chapter ``empty`` (one grade cell, test_other) that nobody submitted."""
    with Gradebook(gradebook_url(course_copy)) as gradebook:
        gradebook.update_or_create_assignment("empty")
        gradebook.update_or_create_notebook("empty", "empty")
        gradebook.update_or_create_grade_cell("test_other", "empty", "empty", max_score=1, cell_type="code")
    return course_copy


def as_tuples(table) -> list[tuple]:
    return [tuple(row) for row in table.itertuples(index=False)]


def test_grade_rows_give_every_student_their_points_per_cell(graded_course):
    table = grade_rows(graded_course, CHAPTER)
    assert list(table.columns) == HEADER
    assert as_tuples(table) == EXPECTED_TOY_ROWS
    assert grade_rows(graded_course).equals(table)  # toy is the only chapter


def test_grade_rows_of_several_chapters_sort_by_chapter_and_leave_foreign_cells_empty(two_chapter_course):
    table = grade_rows(two_chapter_course)
    assert list(table.columns) == [*HEADER[:3], "test_other", *HEADER[3:]]
    assert list(zip(table["chapter"], table["student"], strict=True)) == [
        (chapter, student) for chapter in ("empty", "toy") for student in ("alice", "bob", "carol", "dave")
    ]
    empty, toy = table[table["chapter"] == "empty"], table[table["chapter"] == "toy"]
    assert not empty["submitted"].any()
    assert (empty["test_other"] == 0).all() and (empty["max_total"] == 1).all()
    assert empty["test_add"].isna().all() and toy["test_other"].isna().all()
    assert list(toy["total"]) == [5.0, 2.0, 0.0, 0.0]


def test_grade_cells_follow_the_notebook_order_not_the_name_order(course_copy):
    path = solution_notebook(CHAPTER, course_copy)
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.insert(0, notebook.cells.pop(cell_index(notebook, "test_hypotenuse")))
    nbformat.write(notebook, path)
    assert list(grade_rows(course_copy, CHAPTER).columns) == [
        "student",
        "chapter",
        "submitted",
        "test_hypotenuse",
        "test_add",
        "total",
        "max_total",
    ]


def test_a_manual_grade_overrides_the_autograder_and_partial_points_do_not_pass(course_copy, tmp_path):
    with Gradebook(gradebook_url(course_copy)) as gradebook:
        gradebook.find_grade("test_hypotenuse", CHAPTER, CHAPTER, "bob").manual_score = 1.5
        gradebook.db.commit()
    bob = grade_rows(course_copy, CHAPTER).set_index("student").loc["bob"]
    assert (bob["test_add"], bob["test_hypotenuse"], bob["total"]) == (2.0, 1.5, 3.5)
    report = chapter_report(course_copy, CHAPTER, tmp_path)
    assert report.pass_rates["test_hypotenuse"] == pytest.approx(1 / 3)  # bob's 1.5 of 3 is not full points
    assert report.mean == pytest.approx(8.5 / 3)


def test_export_csv_writes_stable_columns_and_rows(graded_course, tmp_path):
    path = export_csv(graded_course, tmp_path / "exports" / "grades.csv", CHAPTER)
    assert path == tmp_path / "exports" / "grades.csv"
    with path.open(newline="") as file:
        header, *rows = list(csv.reader(file))
    assert header == HEADER
    parsed = [(r[0], r[1], r[2] == "True", *map(float, r[3:])) for r in rows]
    assert parsed == EXPECTED_TOY_ROWS
    assert {r[2] for r in rows} == {"True", "False"}


def test_export_csv_of_every_chapter_sorts_rows_by_chapter_then_student(two_chapter_course, tmp_path):
    with export_csv(two_chapter_course, tmp_path / "all.csv").open(newline="") as file:
        header, *rows = list(csv.reader(file))
    assert header == [*HEADER[:3], "test_other", *HEADER[3:]]
    assert [(r[1], r[0]) for r in rows] == [
        (chapter, student) for chapter in ("empty", "toy") for student in ("alice", "bob", "carol", "dave")
    ]
    assert rows[0][header.index("test_add")] == ""  # empty has no test_add cell
    assert float(rows[4][header.index("total")]) == 5.0  # toy, alice


def test_chapter_report_counts_pass_rates_over_submitted_students(graded_course, tmp_path):
    report = chapter_report(graded_course, CHAPTER, tmp_path)
    assert (report.students, report.submitted, report.max_total) == (4, 3, 5.0)
    assert list(report.pass_rates) == ["test_add", "test_hypotenuse"]
    assert report.pass_rates == pytest.approx({"test_add": 2 / 3, "test_hypotenuse": 1 / 3})
    assert report.max_scores == {"test_add": 2.0, "test_hypotenuse": 3.0}
    assert report.mean == pytest.approx(7 / 3)
    assert (report.median, report.minimum, report.maximum) == (2.0, 0.0, 5.0)
    # one bin per whole point, 0..5: carol 0, bob 2, alice 5 (dave did not submit)
    assert report.histogram_edges == (-0.5, 0.5, 1.5, 2.5, 3.5, 4.5, 5.5)
    assert report.histogram_counts == (1, 0, 1, 0, 0, 1)


def test_chapter_report_writes_markdown_and_plots(graded_course, tmp_path):
    output = tmp_path / "reports"
    report = chapter_report(graded_course, CHAPTER, output)
    assert report.markdown == output / "toy_report.md"
    assert report.scores_plot == output / "toy_scores.png"
    assert report.pass_rates_plot == output / "toy_pass_rates.png"
    for plot in (report.scores_plot, report.pass_rates_plot):
        assert plot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    markdown = report.markdown.read_text()
    assert "| test_add | 2 | 2 of 3 | 66.7% |" in markdown
    assert "| test_hypotenuse | 3 | 1 of 3 | 33.3% |" in markdown
    assert "| Mean | 2.33 |" in markdown and "| Median | 2 |" in markdown
    assert "| Min | 0 |" in markdown and "| Max | 5 |" in markdown
    assert "3 of 4 students submitted" in markdown


def test_chapter_report_without_submissions_is_a_value_error_naming_the_chapter(two_chapter_course, tmp_path):
    with pytest.raises(ValueError, match="'empty' has no submissions"):
        chapter_report(two_chapter_course, "empty", tmp_path / "reports")
    assert not (tmp_path / "reports").exists()


def test_a_chapter_missing_from_the_gradebook_is_a_value_error(graded_course, tmp_path):
    with pytest.raises(ValueError, match="'nope' is not in the gradebook"):
        grade_rows(graded_course, "nope")
    with pytest.raises(ValueError, match="'nope' is not in the gradebook"):
        chapter_report(graded_course, "nope", tmp_path)


def test_a_course_without_a_gradebook_is_an_error_and_gets_no_empty_one(fixture_course):
    with pytest.raises(FileNotFoundError, match="no gradebook"):
        grade_rows(fixture_course)
    assert not (fixture_course / "grading" / "gradebook.db").exists()


def test_import_and_report_leave_matplotlib_global_state_alone(graded_course, tmp_path):
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "import autograder.reports\n"
        "assert not [m for m in sys.modules if m.startswith('matplotlib')], 'import loaded matplotlib'\n"
        "import matplotlib\n"
        "autograder.reports.chapter_report(Path(sys.argv[1]), 'toy', Path(sys.argv[2]))\n"
        "print(matplotlib.get_backend())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(graded_course), str(tmp_path)],
        cwd=REPO_ROOT,
        env={**os.environ, "MPLBACKEND": "svg"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "svg"
    assert (tmp_path / "toy_scores.png").is_file()
