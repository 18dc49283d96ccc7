"""Course integrity: every chapter keeps the invariants that CI enforces (see autograder.integrity)."""

import pytest

from autograder import integrity
from autograder.course import COURSE_ROOT, chapters

CHAPTERS = chapters()


def report(problems) -> str:
    return "\n".join(str(problem) for problem in problems)


@pytest.fixture(scope="module", params=CHAPTERS)
def graded(request, tmp_path_factory):
    """Per chapter: a scratch course with a fresh release, and the autograded solution and release."""
    chapter = request.param
    workspace = integrity.prepare_workspace(chapter, COURSE_ROOT, tmp_path_factory.mktemp(chapter))
    return chapter, workspace, integrity.autograde_solution_and_release(chapter, COURSE_ROOT, workspace)


def test_course_has_chapters():
    assert CHAPTERS, "solutions/ holds no chapter"


def test_toc_agrees_with_pages_and_chapters():
    problems = integrity.check_toc(COURSE_ROOT)
    assert not problems, report(problems)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_graded_cells_have_points_ids_and_docstrings(chapter):
    problems = integrity.check_cell_metadata(chapter, COURSE_ROOT)
    assert not problems, report(problems)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_assert_in_a_test_cell_explains_itself(chapter):
    problems = integrity.check_test_messages(chapter, COURSE_ROOT)
    assert not problems, report(problems)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_release_leaks_no_solution_or_hidden_test(chapter):
    problems = integrity.check_no_leaks(chapter, COURSE_ROOT)
    assert not problems, report(problems)


def test_release_is_what_nbgrader_generates(graded):
    chapter, workspace, _ = graded
    problems = integrity.check_release_current(chapter, COURSE_ROOT, workspace)
    assert not problems, report(problems)


def test_solution_autogrades_to_full_marks(graded):
    chapter, _, scores = graded
    assert scores[integrity.SOLUTION_STUDENT], f"{chapter}: autograding found no graded cell"
    problems = integrity.check_solution_full_marks(chapter, scores)
    assert not problems, report(problems)


def test_unmodified_release_autogrades_to_zero(graded):
    chapter, _, scores = graded
    assert scores[integrity.RELEASE_STUDENT].keys() == scores[integrity.SOLUTION_STUDENT].keys()
    problems = integrity.check_release_scores_zero(chapter, scores)
    assert not problems, report(problems)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solution_executes_top_to_bottom(chapter, tmp_path):
    problems = integrity.check_solution_executes(chapter, COURSE_ROOT, tmp_path)
    assert not problems, report(problems)
