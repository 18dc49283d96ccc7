"""The Chroma store of chunks: metadata round trip, persistence, and re-indexing that mirrors the pages."""

from rag.chunk import chunk_pages
from rag.corpus import book_pages
from rag.pipeline import build_knowledge_base
from rag.store import ChunkStore


def test_chunks_round_trip_through_the_store(knowledge_base):
    stored = knowledge_base.store.chunks()
    by_id = {chunk.chunk_id: chunk for chunk in knowledge_base.chunks}
    assert len(stored) == len(knowledge_base.chunks) == len(knowledge_base.store)
    assert all(chunk == by_id[chunk.chunk_id] for chunk in stored)


def test_in_memory_stores_are_separate_and_close_deletes(course):
    first, second = ChunkStore.open(), ChunkStore.open()
    chunks = chunk_pages(book_pages(course))
    first.add(chunks[:2])
    assert (len(first), len(second)) == (2, 0)
    name = first.collection.name
    first.close()
    assert name not in [collection.name for collection in first.client.list_collections()]
    second.close()


def test_persistent_index_is_reused_and_follows_page_edits(course, tmp_path):
    store_path = tmp_path / "store"
    built = build_knowledge_base(course, store_path)
    ids = {chunk.chunk_id for chunk in built.chunks}
    assert set(ChunkStore.open(store_path).collection.get(include=[])["ids"]) == ids

    page = course / "book" / "a" / "vectors.md"
    page.write_text(page.read_text(encoding="utf-8").replace("a larger value", "a bigger value"), encoding="utf-8")
    rebuilt = build_knowledge_base(course, store_path)
    new_ids = {chunk.chunk_id for chunk in rebuilt.chunks}
    assert len(new_ids - ids) == 1 and len(ids - new_ids) == 1, "one chunk changed"
    assert set(ChunkStore.open(store_path).collection.get(include=[])["ids"]) == new_ids
    assert "a bigger value" in rebuilt.lexical.search("bigger value", 1)[0].chunk.text
