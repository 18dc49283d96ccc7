"""The course's RAG evaluation set: its format, its counts, and that every evidence passage is still in the book."""

import json

import pytest

from rag.corpus import book_pages
from rag.evalset import EvalSetError, check_against_pages, load_eval_set, sections

ANSWERABLE = {
    "id": "q1",
    "question": "Why normalise?",
    "answerable": True,
    "source": "book/a/vectors.md",
    "section": "HNSW",
    "evidence": "a larger value finds more true neighbours",
    "answer": "To find more neighbours.",
    "style": "paraphrase",
}
UNANSWERABLE = {**ANSWERABLE, "id": "q2", "answerable": False, "style": "unanswerable"} | dict.fromkeys(
    ("source", "section", "evidence", "answer")
)


def write(tmp_path, *rows) -> str:
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(row if isinstance(row, str) else json.dumps(row) for row in rows) + "\n", "utf-8")
    return path


def test_the_course_set_has_its_counts_and_matches_the_book():
    questions = load_eval_set()
    answerable = [q for q in questions if q.answerable]
    assert len(answerable) >= 80 and len(questions) - len(answerable) >= 10
    assert check_against_pages(questions, book_pages(notebooks=False)) == []
    assert len({q.evidence for q in answerable}) == len(answerable), "every question has its own evidence"


def test_a_small_set_checks_against_the_small_course(course, tmp_path):
    questions = load_eval_set(write(tmp_path, ANSWERABLE, UNANSWERABLE))
    assert [q.answerable for q in questions] == [True, False]
    assert check_against_pages(questions, book_pages(course)) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"source": "book/a/other.md"}, "page book/a/other.md is not in the book"),
        ({"section": "Graphs"}, "has no heading 'Graphs'"),
        ({"evidence": "a smaller value"}, "the evidence is not under 'HNSW'"),
        ({"section": "Persistence"}, "the evidence is not under 'Persistence'"),
    ],
)
def test_stale_questions_are_reported(course, tmp_path, change, problem):
    questions = load_eval_set(write(tmp_path, ANSWERABLE | change))
    (report,) = check_against_pages(questions, book_pages(course))
    assert report.startswith("q1: ") and problem in report


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("{not json", "line 1: not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ({k: v for k, v in ANSWERABLE.items() if k != "style"}, r"missing field\(s\) \['style'\]"),
        (ANSWERABLE | {"extra": 1}, r"unknown field\(s\) \['extra'\]"),
        (ANSWERABLE | {"question": " "}, "field 'question' must be a non-empty string"),
        (ANSWERABLE | {"answerable": "yes"}, "field 'answerable' must be true or false"),
        (ANSWERABLE | {"style": "unanswerable"}, "does not fit answerable=True"),
        (ANSWERABLE | {"evidence": None}, "field 'evidence' must be a non-empty string"),
        (UNANSWERABLE | {"source": "book/a/vectors.md"}, "field 'source' must be null"),
    ],
)
def test_malformed_rows_are_named(tmp_path, row, message):
    with pytest.raises(EvalSetError, match=message):
        load_eval_set(write(tmp_path, row))


def test_duplicate_ids_and_empty_files_are_refused(tmp_path):
    with pytest.raises(EvalSetError, match="id 'q1' is already used on line 1"):
        load_eval_set(write(tmp_path, ANSWERABLE, ANSWERABLE))
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(EvalSetError, match="has no questions"):
        load_eval_set(empty)


def test_sections_ignore_headings_inside_code(vectors_page):
    found = sections(vectors_page)
    assert "a comment, not a heading" not in found
    assert "collection.query" in found["Metadata filters"]
    assert list(found)[-1] == "Persistence"
