"""The labelled similarity dataset (``data/similarity/similarity-v1.jsonl``): documents, queries and their answers.

One JSON object per line: ``id``, ``title``, ``topic``, ``text`` and ``queries``, a list of ``{id, query, answers}``
where ``answers`` are the sentences of ``text`` that answer the query, copied from it. ``load_dataset`` checks all of
that and raises ``DatasetFormatError`` naming the line and the field of the first problem.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from similarity.sentences import normalise

SIMILARITY_V1 = Path(__file__).resolve().parents[2] / "data" / "similarity" / "similarity-v1.jsonl"


class DatasetFormatError(ValueError):
    """A dataset file is not in the expected format; the message names the line and the field."""


@dataclass(frozen=True)
class Query:
    """A question about one document and the sentences of it that answer the question."""

    id: str
    query: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Document:
    """A document of the dataset with its queries."""

    id: str
    title: str
    topic: str
    text: str
    queries: tuple[Query, ...]


def jsonl_rows(path: Path, error: type[ValueError]) -> Iterator[tuple[dict, str, int]]:
    """Each non-blank line of a JSONL file as (object, "<file>, line N", N), raising ``error`` naming the line of
    the first that is not a JSON object, or naming the file when it cannot be read."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as problem:
        raise error(f"{path}: cannot read the file ({problem})") from problem
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}, line {number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as problem:
            raise error(f"{where}: not valid JSON ({problem.msg} at column {problem.colno})") from problem
        if not isinstance(row, dict):
            raise error(f"{where}: expected a JSON object, got {type(row).__name__}")
        yield row, where, number


def load_dataset(path: Path | str = SIMILARITY_V1) -> list[Document]:
    """The documents of a JSONL dataset file, in file order; blank lines are skipped."""
    path = Path(path)
    documents: list[Document] = []
    document_ids: dict[str, int] = {}
    query_ids: dict[str, int] = {}
    for row, where, number in jsonl_rows(path, DatasetFormatError):
        document = parse_document(row, where)
        for seen, key in ((document_ids, document.id), *((query_ids, query.id) for query in document.queries)):
            if key in seen:
                raise DatasetFormatError(f"{where}: id {key!r} is already used on line {seen[key]}")
            seen[key] = number
        documents.append(document)
    if not documents:
        raise DatasetFormatError(f"{path}: the dataset has no documents")
    return documents


def parse_document(row: dict, where: str) -> Document:
    """One line's object as a Document; ``where`` (file and line) starts every error message."""
    document_id, title, topic, text = (text_field(row, name, where) for name in ("id", "title", "topic", "text"))
    queries = row.get("queries")
    if not isinstance(queries, list) or not queries:
        raise DatasetFormatError(f"{where}: field 'queries' must be a non-empty list")
    flat_text = normalise(text)
    parsed = []
    for position, query in enumerate(queries):
        field = f"queries[{position}]"
        if not isinstance(query, dict):
            raise DatasetFormatError(f"{where}: field '{field}' must be an object with id, query and answers")
        query_id, query_text = text_field(query, "id", where, field), text_field(query, "query", where, field)
        answers = query.get("answers")
        if not isinstance(answers, list) or not answers:
            raise DatasetFormatError(f"{where}: field '{field}.answers' must be a non-empty list of sentences")
        for number, answer in enumerate(answers):
            if not isinstance(answer, str) or not answer.strip():
                raise DatasetFormatError(f"{where}: field '{field}.answers[{number}]' must be a non-empty string")
            if normalise(answer) not in flat_text:
                raise DatasetFormatError(f"{where}: field '{field}.answers[{number}]' is not in the text: {answer!r}")
        parsed.append(Query(query_id, query_text, tuple(answers)))
    return Document(document_id, title, topic, text, tuple(parsed))


def text_field(row: dict, name: str, where: str, parent: str = "") -> str:
    field = f"{parent}.{name}" if parent else name
    value = row.get(name)
    if not isinstance(value, str) or not value.strip():
        problem = "is missing" if name not in row else f"must be a non-empty string, not {value!r}"
        raise DatasetFormatError(f"{where}: field '{field}' {problem}")
    return value
