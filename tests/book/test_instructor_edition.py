"""The instructor edition: the student book plus every chapter's solution notebook, from the same settings."""

import pytest
import yaml
from bs4 import BeautifulSoup

from autograder.book import INSTRUCTOR_CAPTION, build_instructor_book, instructor_config, instructor_toc
from autograder.course import COURSE_ROOT, chapters

pytestmark = pytest.mark.timeout(2400)  # the shared strict build runs before the first test that needs it


def book_settings(name: str) -> dict:
    return yaml.safe_load((COURSE_ROOT / name).read_text())


def test_the_instructor_toc_adds_every_solution_as_a_last_part():
    toc = instructor_toc(book_settings("_toc.yml"), chapters())
    assert toc["parts"][:-1] == book_settings("_toc.yml")["parts"], "the student book's parts must stay as they are"
    assert toc["parts"][-1]["caption"] == INSTRUCTOR_CAPTION
    assert [entry["file"] for entry in toc["parts"][-1]["chapters"]] == [f"solutions/{c}/{c}" for c in chapters()]


def test_the_instructor_config_builds_the_solutions_without_running_them(tmp_path):
    config = instructor_config(book_settings("_config.yml"), COURSE_ROOT, tmp_path)
    assert "solutions/*" not in config["exclude_patterns"], "the solutions would not be built"
    assert "solutions/*" in config["execute"]["exclude_patterns"], "the solutions would be executed"
    assert config["execute"]["cache"] == str(tmp_path)
    paths = [*config["bibtex_bibfiles"], *config["sphinx"]["local_extensions"].values(), config["html"]["favicon"]]
    assert all(path.startswith(str(COURSE_ROOT)) for path in paths), f"relative paths left: {paths}"


def test_the_instructor_edition_renders_every_solution(site, tmp_path):
    result = build_instructor_book(COURSE_ROOT, tmp_path, cache=site.parent / ".jupyter_cache")
    assert result.returncode == 0, f"the instructor edition failed:\n{result.stdout[-5000:]}\n{result.stderr[-2000:]}"
    html = tmp_path / "_build" / "html"
    assert "Instructor edition" in BeautifulSoup((html / "book" / "index.html").read_text(), "html.parser").title.text
    for chapter in chapters():
        solution = html / "solutions" / chapter / f"{chapter}.html"
        assert solution.is_file(), f"the solution of {chapter} was not rendered"
        assert "BEGIN SOLUTION" in solution.read_text(), f"{solution.name} does not show the solution code"
