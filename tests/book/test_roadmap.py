"""The roadmap's time estimates agree wherever the book states them, and every work the book lists is cited."""

import re

from autograder.course import COURSE_ROOT

BOOK = COURSE_ROOT / "book"
NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


def roadmap_weeks() -> dict[int, int]:
    """Weeks per part, from the roadmap page's section titles ("## Part 1 · Foundations: about 4 weeks")."""
    text = (BOOK / "guides" / "roadmap.md").read_text()
    return {int(part): int(weeks) for part, weeks in re.findall(r"^## Part (\d) · .*: about (\d+) weeks$", text, re.M)}


def overview_weeks(part: int) -> int:
    """Weeks stated in a part's overview ("About four weeks at ten hours a week")."""
    match = re.search(r"About (\w+) weeks", (BOOK / f"part{part}" / "overview.md").read_text())
    assert match, f"book/part{part}/overview.md does not say how many weeks the part takes"
    return NUMBER_WORDS[match.group(1)]


def landing_weeks(pattern: str) -> dict[int, int]:
    """Weeks per part found on the landing page by ``pattern`` (two groups: the part and its weeks)."""
    text = (BOOK / "index.md").read_text()
    return {int(part): int(weeks) for part, weeks in re.findall(pattern, text, re.M)}


LANDING_TABLE = r"^\| (\d)\. .*\| ~(\d+) weeks \|$"  # | 1. Foundations | ... | ~4 weeks |
LANDING_FIGURE = r'^    \("(\d)\. [^"]+", "[^"]+", (\d+)\),$'  # ("1. Foundations", "Three models...", 4),


def test_the_roadmap_covers_six_parts_and_adds_up():
    weeks = roadmap_weeks()
    assert sorted(weeks) == [1, 2, 3, 4, 5, 6], f"the roadmap has sections for parts {sorted(weeks)}"
    total = re.search(r"about (\d+) weeks", (BOOK / "guides" / "roadmap.md").read_text())
    assert total and int(total.group(1)) == sum(weeks.values()), "the roadmap's total is not the sum of its parts"


def test_the_landing_page_and_the_overviews_agree_with_the_roadmap():
    weeks = roadmap_weeks()
    assert landing_weeks(LANDING_TABLE) == weeks, f"landing table {landing_weeks(LANDING_TABLE)} vs roadmap {weeks}"
    assert landing_weeks(LANDING_FIGURE) == weeks, f"landing figure {landing_weeks(LANDING_FIGURE)} vs roadmap {weeks}"
    for part in range(1, 7):
        assert overview_weeks(part) == weeks[part], f"book/part{part}/overview.md disagrees with the roadmap"


def test_every_bibliography_entry_is_cited_in_the_book():
    keys = re.findall(r"^@\w+\{([^,\s]+),", (BOOK / "reference" / "references.bib").read_text(), re.M)
    assert keys, "the bibliography is empty"
    pages = "\n".join(path.read_text() for path in BOOK.rglob("*.md"))
    cited = {key.strip() for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", pages) for key in group.split(",")}
    uncited = sorted(set(keys) - cited)
    assert not uncited, f"entries of references.bib that no page cites: {uncited}"
