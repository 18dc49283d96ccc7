"""Ingest by content hash: the plan, writing into a store, and reading files and folders safely."""

import json

import pytest

from rag.corpus import CorpusError, Page
from rag.store import ChunkStore
from tutor.ingest import IngestPlan, ingest_pages, plan_ingest, read_documents


def test_plan_sorts_pages_into_added_replaced_and_unchanged():
    stored = {"a.md": "1", "b.md": "2", "gone.md": "3"}
    incoming = {"b.md": "2", "a.md": "9", "new.md": "4", "another.md": "5"}
    assert plan_ingest(stored, incoming) == IngestPlan(
        added=["another.md", "new.md"], replaced=["a.md"], unchanged=["b.md"]
    )


def test_plan_of_nothing_is_empty():
    assert plan_ingest({"a.md": "1"}, {}) == IngestPlan([], [], [])


@pytest.fixture
def store():
    store = ChunkStore.open()
    yield store
    store.close()


PAGE = Page("notes/rivers.md", "# Rivers\n\nThe Quorn flows north.\n\n## Bridges\n\nThree bridges cross the Quorn.")


def test_a_page_is_written_once_and_a_changed_page_replaces_only_what_changed(store):
    first = ingest_pages(store, [PAGE])
    assert first.added == ["notes/rivers.md"] and first.chunks_written == len(store) == 2
    assert ingest_pages(store, [PAGE]).chunks_written == 0
    edited = Page(PAGE.source, PAGE.text.replace("Three bridges", "Four bridges"))
    report = ingest_pages(store, [edited])
    assert report.replaced == ["notes/rivers.md"] and report.chunks_deleted == 1 and len(store) == 2
    assert sorted(chunk.text for chunk in store.chunks()) == ["Four bridges cross the Quorn.", "The Quorn flows north."]


def test_a_page_given_twice_in_one_ingest_is_refused(store):
    with pytest.raises(CorpusError, match="given twice"):
        ingest_pages(store, [PAGE, PAGE])
    assert len(store) == 0


def test_read_documents_takes_files_and_folders_relative_to_the_root(tmp_path):
    (tmp_path / "docs" / "deep").mkdir(parents=True)
    (tmp_path / "docs" / "a.md").write_text("# A", encoding="utf-8")
    (tmp_path / "docs" / "deep" / "b.txt").write_text("B", encoding="utf-8")
    (tmp_path / "docs" / "image.png").write_bytes(b"\x89PNG")
    notebook = {"cells": [{"cell_type": "markdown", "source": ["# Notebook"]}], "metadata": {}, "nbformat": 4}
    (tmp_path / "docs" / "n.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    pages = read_documents(["docs", "docs/a.md"], tmp_path)
    assert [page.source for page in pages] == ["docs/a.md", "docs/deep/b.txt", "docs/n.ipynb"]
    assert pages[2].text == "# Notebook"


@pytest.mark.parametrize(
    ("path", "message"),
    [("../secret.md", "outside"), ("/etc/passwd", "outside"), ("missing.md", "no such file"), ("data.bin", ".bin")],
)
def test_read_documents_refuses_what_it_must_not_read(tmp_path, path, message):
    (tmp_path / "root").mkdir()
    (tmp_path / "secret.md").write_text("secret", encoding="utf-8")
    (tmp_path / "root" / "data.bin").write_bytes(b"\x00\x01")
    with pytest.raises(CorpusError, match=message):
        read_documents([path], tmp_path / "root")


def test_a_file_that_is_not_utf8_is_named(tmp_path):
    (tmp_path / "latin1.md").write_bytes("café".encode("latin-1"))
    with pytest.raises(CorpusError, match="latin1.md: not valid UTF-8"):
        read_documents(["latin1.md"], tmp_path)
