"""The integrity checks catch real faults: each test breaks the sound fixture course one way."""

from pathlib import Path

import nbformat
import pytest

from autograder import integrity
from autograder.course import release, release_notebook, solution_notebook

CHAPTER = "toy"


def edit_cell(path: Path, grade_id: str, edit) -> None:
    """Rewrite the source of the cell with ``grade_id`` in the notebook at ``path``."""
    notebook = nbformat.read(path, as_version=4)
    cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    cell.source = edit(cell.source)
    nbformat.write(notebook, path)


def edit_metadata(path: Path, grade_id: str, changes: dict) -> None:
    notebook = nbformat.read(path, as_version=4)
    cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    cell.metadata["nbgrader"].update(changes)
    nbformat.write(notebook, path)


def grade(course: Path, tmp_path: Path) -> dict:
    workspace = integrity.prepare_workspace(CHAPTER, course, tmp_path / "workspace")
    return integrity.autograde_solution_and_release(CHAPTER, course, workspace)


def all_problems(course: Path, tmp_path: Path) -> list[integrity.Problem]:
    workspace = integrity.prepare_workspace(CHAPTER, course, tmp_path / "workspace")
    scores = integrity.autograde_solution_and_release(CHAPTER, course, workspace)
    return [
        *integrity.check_toc(course),
        *integrity.check_cell_metadata(CHAPTER, course),
        *integrity.check_test_messages(CHAPTER, course),
        *integrity.check_no_leaks(CHAPTER, course),
        *integrity.check_release_current(CHAPTER, course, workspace),
        *integrity.check_solution_full_marks(CHAPTER, scores),
        *integrity.check_release_scores_zero(CHAPTER, scores),
        *integrity.check_solution_executes(CHAPTER, course, tmp_path),
    ]


def test_sound_fixture_course_passes_every_check(fixture_course, tmp_path):
    assert all_problems(fixture_course, tmp_path) == []


def test_leaked_solution_code_is_caught(fixture_course):
    edit_cell(
        release_notebook(CHAPTER, fixture_course),
        "add",
        lambda s: s.replace("# YOUR CODE HERE", "return a + b  # leaked"),
    )
    problems = integrity.check_no_leaks(CHAPTER, fixture_course)
    assert [p.check for p in problems] == ["leak"]
    assert "return a + b" in problems[0].message


def test_leaked_hidden_test_is_caught(fixture_course):
    edit_cell(
        release_notebook(CHAPTER, fixture_course),
        "test_add",
        lambda s: s + '\nassert add(-1.5, 1.5) == 0, "add(-1.5, 1.5) should be 0"',
    )
    problems = integrity.check_no_leaks(CHAPTER, fixture_course)
    assert len(problems) == 1 and "add(-1.5, 1.5)" in problems[0].message


def test_leaked_region_marker_is_caught(fixture_course):
    edit_cell(
        release_notebook(CHAPTER, fixture_course),
        "test_add",
        lambda s: s + "\n### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS",
    )
    problems = integrity.check_no_leaks(CHAPTER, fixture_course)
    assert sorted(p.message.split("marker ")[-1] for p in problems) == ["'BEGIN HIDDEN TESTS'", "'END HIDDEN TESTS'"]


def test_test_that_cannot_fail_is_caught(fixture_course, tmp_path):
    edit_cell(
        solution_notebook(CHAPTER, fixture_course),
        "test_hypotenuse",
        lambda s: '"""Check that hypotenuse exists."""\nassert callable(hypotenuse)',
    )
    release(CHAPTER, fixture_course)
    scores = grade(fixture_course, tmp_path)
    assert integrity.check_solution_full_marks(CHAPTER, scores) == []
    problems = integrity.check_release_scores_zero(CHAPTER, scores)
    assert [(p.check, p.message.split()[0]) for p in problems] == [("test cannot fail", "test_hypotenuse")]


def test_stale_release_is_caught(fixture_course, tmp_path):
    edit_cell(solution_notebook(CHAPTER, fixture_course), "add_text", lambda s: s + " It must work for floats too.")
    workspace = integrity.prepare_workspace(CHAPTER, fixture_course, tmp_path / "workspace")
    problems = integrity.check_release_current(CHAPTER, fixture_course, workspace)
    assert [p.check for p in problems] == ["stale release"]
    assert "toy.ipynb differs" in problems[0].message


def test_missing_release_is_caught(fixture_course, tmp_path):
    release_notebook(CHAPTER, fixture_course).unlink()
    workspace = integrity.prepare_workspace(CHAPTER, fixture_course, tmp_path / "workspace")
    assert "missing from the release" in integrity.check_release_current(CHAPTER, fixture_course, workspace)[0].message
    assert "no release" in integrity.check_no_leaks(CHAPTER, fixture_course)[0].message


def test_broken_solution_is_caught(fixture_course, tmp_path):
    edit_cell(
        solution_notebook(CHAPTER, fixture_course), "hypotenuse", lambda s: s.replace("a * a + b * b", "a * a + b")
    )
    release(CHAPTER, fixture_course)
    scores = grade(fixture_course, tmp_path)
    problems = integrity.check_solution_full_marks(CHAPTER, scores)
    assert [p.message for p in problems] == ["test_hypotenuse gives the solution 0.0 of 3.0 points"]
    executed = integrity.check_solution_executes(CHAPTER, fixture_course, tmp_path)
    assert len(executed) == 1 and "AssertionError" in executed[0].message


@pytest.mark.parametrize(
    ("grade_id", "source", "changes", "expected"),
    [
        ("test_add", "assert add(1, 2) == 3", {}, "does not open with a docstring"),
        ("test_add", '"""Check add.\n\nAnd more."""\nassert add(1, 2) == 3', {}, "more than one line"),
        ("test_add", None, {"points": 0}, "needs positive points"),
        ("test_add", None, {"grade_id": "cell-8f3a2c1d"}, "lower_snake_case"),
        ("test_add", None, {"grade_id": "test_hypotenuse"}, "used twice"),
        ("test_add", None, {"locked": False}, "must be locked"),
    ],
)
def test_bad_cell_metadata_is_caught(fixture_course, grade_id, source, changes, expected):
    path = solution_notebook(CHAPTER, fixture_course)
    if source is not None:
        edit_cell(path, grade_id, lambda _: source)
    edit_metadata(path, grade_id, changes)
    problems = integrity.check_cell_metadata(CHAPTER, fixture_course)
    assert len(problems) == 1 and expected in problems[0].message, problems


def test_assert_without_a_message_is_caught(fixture_course):
    path = solution_notebook(CHAPTER, fixture_course)
    edit_cell(path, "test_add", lambda s: s.replace(', "add(-1.5, 1.5) should be 0"', ""))
    problems = integrity.check_test_messages(CHAPTER, fixture_course)
    assert [p.message for p in problems] == ["test_add line 4: assert without a message for the student"]


def test_chapter_without_tests_is_caught(fixture_course):
    path = solution_notebook(CHAPTER, fixture_course)
    for grade_id in ("test_add", "test_hypotenuse"):
        edit_metadata(path, grade_id, {"grade": False})
    problems = integrity.check_cell_metadata(CHAPTER, fixture_course)
    assert [p.message for p in problems] == ["the chapter has no autograded test cell"]


def test_toc_naming_a_missing_page_is_caught(fixture_course):
    (fixture_course / "_toc.yml").write_text("format: jb-book\nroot: book/toy\nchapters:\n  - file: book/ghost\n")
    assert [p.message for p in integrity.check_toc(fixture_course)] == [
        "_toc.yml names 'book/ghost', which does not exist"
    ]


def test_page_missing_from_toc_is_caught(fixture_course):
    (fixture_course / "book" / "orphan.md").write_text("# Orphan\n")
    assert [p.message for p in integrity.check_toc(fixture_course)] == ["book/orphan.md is not in _toc.yml"]


def test_chapter_without_page_is_caught(fixture_course):
    (fixture_course / "book" / "toy.md").rename(fixture_course / "book" / "other.md")
    (fixture_course / "_toc.yml").write_text("format: jb-book\nroot: book/other\n")
    assert [p.message for p in integrity.check_toc(fixture_course)] == ["no book page named toy.md in _toc.yml"]


def test_chapter_page_not_linking_its_notebook_is_caught(fixture_course):
    (fixture_course / "book" / "toy.md").write_text("# A toy chapter\n")
    assert [p.message for p in integrity.check_toc(fixture_course)] == [
        "book/toy.md does not hand out its notebook (```{graded-notebook} toy)"
    ]
