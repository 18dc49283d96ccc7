"""The course's RAG evaluation set (``data/rag-eval/rag-eval-v1.jsonl``): questions about the book and where the
answer is, plus questions the course cannot answer.

One JSON object per line with ``id``, ``question``, ``answerable``, ``source`` (a page path), ``section`` (the
deepest heading above the answer), ``evidence`` (a verbatim passage of that section), ``answer`` (a reference
answer) and ``style``; the last five are null for unanswerable questions. ``load_eval_set`` checks every field and
raises ``EvalSetError`` naming the line and the field of the first problem; ``check_against_pages`` checks that each
evidence passage still stands under its heading in the current pages.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from rag.clean import clean_page
from rag.corpus import Page, course_root
from similarity.data import jsonl_rows

EVAL_SET = Path("data") / "rag-eval" / "rag-eval-v1.jsonl"
FIELDS = ("id", "question", "answerable", "source", "section", "evidence", "answer", "style")
STYLES = {"paraphrase", "lexical", "unanswerable"}
HEADING = re.compile(r"^(#{1,4}) (.+?)\s*$")
FENCE = re.compile(r"^(`{3,}|~{3,})")


class EvalSetError(ValueError):
    """The evaluation set is not in the expected format; the message names the line and the field."""


@dataclass(frozen=True)
class EvalQuestion:
    """One question, and for an answerable one the page, section and passage that answer it."""

    id: str
    question: str
    answerable: bool
    source: str | None
    section: str | None
    evidence: str | None
    answer: str | None
    style: str


def default_path() -> Path:
    return course_root() / EVAL_SET


def load_eval_set(path: Path | str | None = None) -> list[EvalQuestion]:
    """The questions of the file at ``path`` (default: the course's set), in file order."""
    path = default_path() if path is None else Path(path)
    questions: list[EvalQuestion] = []
    seen: dict[str, int] = {}
    for row, where, number in jsonl_rows(path, EvalSetError):
        question = parse_question(row, where)
        if question.id in seen:
            raise EvalSetError(f"{where}: id {question.id!r} is already used on line {seen[question.id]}")
        seen[question.id] = number
        questions.append(question)
    if not questions:
        raise EvalSetError(f"{path}: the evaluation set has no questions")
    return questions


def parse_question(row: dict, where: str) -> EvalQuestion:
    """One line's object as an ``EvalQuestion``; ``where`` (file and line) starts every error message."""
    missing, unknown = set(FIELDS) - set(row), set(row) - set(FIELDS)
    if missing or unknown:
        raise EvalSetError(f"{where}: missing field(s) {sorted(missing)}, unknown field(s) {sorted(unknown)}")
    for name in ("id", "question"):
        if not isinstance(row[name], str) or not row[name].strip():
            raise EvalSetError(f"{where}: field '{name}' must be a non-empty string")
    if not isinstance(row["answerable"], bool):
        raise EvalSetError(f"{where}: field 'answerable' must be true or false")
    if row["style"] not in STYLES or (row["style"] == "unanswerable") == row["answerable"]:
        fit = f"field 'style' is {row['style']!r}, which does not fit answerable={row['answerable']}"
        raise EvalSetError(f"{where}: {fit}")
    for name in ("source", "section", "evidence", "answer"):
        value = row[name]
        if row["answerable"] and (not isinstance(value, str) or not value.strip()):
            raise EvalSetError(f"{where}: field '{name}' must be a non-empty string for an answerable question")
        if not row["answerable"] and value is not None:
            raise EvalSetError(f"{where}: field '{name}' must be null for an unanswerable question")
    return EvalQuestion(**row)


def sections(text: str) -> dict[str, str]:
    """The text under each heading of a markdown page (up to the next heading), fenced code skipped for headings."""
    texts: dict[str, list[str]] = {}
    current, fence = "", ""
    for line in text.splitlines():
        opened = FENCE.match(line.strip())
        if opened and not fence:
            fence = opened.group(1)
        elif fence and line.strip() == fence:
            fence = ""
        elif not fence and (heading := HEADING.match(line)):
            current = heading.group(2)
            texts.setdefault(current, [])
            continue
        texts.setdefault(current, []).append(line)
    return {heading: "\n".join(lines) for heading, lines in texts.items()}


def as_read(text: str) -> str:
    """Text with its line breaks and runs of spaces as one space: a quote does not depend on how a page wraps."""
    return " ".join(text.split())


def check_against_pages(questions: list[EvalQuestion], pages: list[Page]) -> list[str]:
    """One line per answerable question whose page, section or evidence is not (or no longer) in ``pages``.

    The evidence is compared with the section as a reader sees it (``clean_page``: roles leave their text).
    """
    by_source = {page.source: sections(page.text) for page in pages}
    problems = []
    for question in questions:
        if not question.answerable:
            continue
        page = by_source.get(question.source)
        if page is None:
            problems.append(f"{question.id}: page {question.source} is not in the book")
        elif question.section not in page:
            problems.append(f"{question.id}: {question.source} has no heading {question.section!r}")
        elif as_read(question.evidence) not in as_read(clean_page(page[question.section])):
            problems.append(f"{question.id}: the evidence is not under {question.section!r} in {question.source}")
    return problems
