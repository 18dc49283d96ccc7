"""The similarity dataset: its answers are sentences of the splitter, and its loader refuses malformed lines."""

import json
from pathlib import Path

import pytest

from similarity.data import DatasetFormatError, load_dataset
from similarity.sentences import normalise, split_sentences

GOOD_ROW = {
    "id": "doc-1",
    "title": "A title",
    "topic": "test",
    "text": "First sentence here. Second sentence there.",
    "queries": [{"id": "q-1", "query": "where?", "answers": ["Second sentence there."]}],
}


def test_every_answer_is_one_sentence_of_its_document():
    """Each answer must come out of split_sentences whole (whitespace collapsed, as the datasheet compares them)."""
    problems = []
    for document in load_dataset():
        sentences = split_sentences(document.text)
        for query in document.queries:
            for answer in query.answers:
                if normalise(answer) not in sentences:
                    near = [s for s in sentences if normalise(answer)[:25] in s or s[:25] in normalise(answer)]
                    problems.append(f"{document.id} {query.id}: {answer!r} is split as {near}")
    assert not problems, "\n".join(problems)


def test_every_answer_occurs_once_in_its_document_text_as_written():
    for document in load_dataset():
        for query in document.queries:
            for answer in query.answers:
                assert document.text.count(answer) == 1, f"{document.id} {query.id}: {answer!r}"
                assert answer == answer.strip(), f"{document.id} {query.id}: leading or trailing whitespace"


def test_the_splitter_finds_as_many_units_as_the_datasheet_counts():
    """The datasheet counts 295 sentences and 57 headings and labels under its conventions: 352 units."""
    assert sum(len(split_sentences(document.text)) for document in load_dataset()) == 352


def write_lines(tmp_path: Path, *rows) -> Path:
    path = tmp_path / "set.jsonl"
    lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_well_formed_file_loads(tmp_path):
    other = {**GOOD_ROW, "id": "doc-2", "queries": [{**GOOD_ROW["queries"][0], "id": "q-2"}]}
    documents = load_dataset(write_lines(tmp_path, GOOD_ROW, "", other))
    assert [document.id for document in documents] == ["doc-1", "doc-2"]
    assert documents[0].queries[0].answers == ("Second sentence there.",)


def with_query(**changes) -> dict:
    return {**GOOD_ROW, "queries": [{**GOOD_ROW["queries"][0], **changes}]}


MALFORMED = {
    "not JSON": ("{'id': 'doc-2'", r"line 2: not valid JSON"),
    "not an object": ("[1, 2]", r"line 2: expected a JSON object"),
    "missing text": ({k: v for k, v in GOOD_ROW.items() if k != "text"}, r"line 2: field 'text' is missing"),
    "empty topic": ({**GOOD_ROW, "topic": " "}, r"line 2: field 'topic' must be a non-empty string"),
    "no queries": ({**GOOD_ROW, "queries": []}, r"line 2: field 'queries' must be a non-empty list"),
    "query without text": (with_query(query=""), r"line 2: field 'queries\[0\]\.query' must be a non-empty string"),
    "answers not a list": (with_query(answers="x"), r"line 2: field 'queries\[0\]\.answers' must be a non-empty list"),
    "answer not a string": (with_query(answers=[3]), r"line 2: field 'queries\[0\]\.answers\[0\]' must be a non-empty"),
    "answer not in text": (with_query(answers=["Made up."]), r"line 2: field 'queries\[0\]\.answers\[0\]' is not in"),
    "duplicate document id": (with_query(id="q-9"), r"line 2: id 'doc-1' is already used on line 1"),
}


@pytest.mark.parametrize(("bad_row", "message"), MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_line_is_refused_naming_the_line_and_field(tmp_path, bad_row, message):
    with pytest.raises(DatasetFormatError, match=message):
        load_dataset(write_lines(tmp_path, GOOD_ROW, bad_row))


def test_a_duplicate_query_id_names_both_lines(tmp_path):
    other = {**GOOD_ROW, "id": "doc-2"}
    with pytest.raises(DatasetFormatError, match=r"line 2: id 'q-1' is already used on line 1"):
        load_dataset(write_lines(tmp_path, GOOD_ROW, other))


def test_an_empty_or_missing_file_is_refused(tmp_path):
    with pytest.raises(DatasetFormatError, match="has no documents"):
        load_dataset(write_lines(tmp_path, ""))
    with pytest.raises(DatasetFormatError, match="cannot read the file"):
        load_dataset(tmp_path / "missing.jsonl")
