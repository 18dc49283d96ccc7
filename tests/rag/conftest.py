"""Shared by the RAG tests: the small course's chapter page and its knowledge base."""

import pytest

from rag.pipeline import build_knowledge_base


@pytest.fixture
def vectors_page(rag_course) -> str:
    """The MyST text of the small course's chapter page."""
    return (rag_course / "book" / "a" / "vectors.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def knowledge_base(rag_course):
    """The small course indexed in memory (the sentence encoder loads once per test process)."""
    return build_knowledge_base(rag_course)
