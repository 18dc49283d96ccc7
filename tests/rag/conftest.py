"""Shared by the RAG tests: a small course on disk (a toc, two pages, a notebook) and its knowledge base."""

import json
from pathlib import Path

import pytest

from rag.pipeline import build_knowledge_base

TOC = """format: jb-book
root: book/index
parts:
  - caption: "Part A"
    chapters:
      - file: book/a/vectors
"""

INDEX = """# A small course

This course has one chapter, about vector databases.
"""

VECTORS = """---
jupytext:
  text_representation:
    extension: .md
---

# A.1 Vector databases

A vector database stores embeddings next to their metadata and answers nearest-neighbour queries.

```{admonition} What you will build
:class: tip

- A collection of sentence embeddings.
```

## HNSW

Chroma indexes vectors with HNSW, a graph of small worlds: each query walks the graph from a coarse layer down.
The parameter ef_search sets how many candidates the walk keeps; a larger value finds more true neighbours.

## Metadata filters

A where filter restricts a query to chunks whose metadata match, for example one page of the book.

```{code-cell} ipython3
:tags: [hide-input]
# a comment, not a heading
collection.query(query_texts=["late buses"], where={"source": "guide.md"})
```

## Persistence

A persistent client writes the collection to a folder; reopening the folder gives the same collection back.
"""

NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Exercises on vector databases\n\nWrite a filter."]},
        {"cell_type": "code", "metadata": {}, "source": ["x = 1"], "outputs": [], "execution_count": None},
    ],
    "metadata": {},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def write_course(root: Path) -> Path:
    """A course folder with ``_toc.yml``, two pages and one student notebook."""
    (root / "book" / "a").mkdir(parents=True)
    (root / "_toc.yml").write_text(TOC, encoding="utf-8")
    (root / "book" / "index.md").write_text(INDEX, encoding="utf-8")
    (root / "book" / "a" / "vectors.md").write_text(VECTORS, encoding="utf-8")
    (root / "notebooks" / "vectors").mkdir(parents=True)
    (root / "notebooks" / "vectors" / "vectors.ipynb").write_text(json.dumps(NOTEBOOK), encoding="utf-8")
    return root


@pytest.fixture
def vectors_page() -> str:
    """The MyST text of the small course's chapter page."""
    return VECTORS


@pytest.fixture
def course(tmp_path) -> Path:
    return write_course(tmp_path / "course")


@pytest.fixture(scope="module")
def knowledge_base(tmp_path_factory):
    """The small course indexed in memory (the sentence encoder loads once per test process)."""
    root = write_course(tmp_path_factory.mktemp("kb") / "course")
    return build_knowledge_base(root)
