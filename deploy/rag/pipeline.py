"""The knowledge base assembled: load the course's pages, chunk them, embed them into the store, and the retrievers.

``build_knowledge_base()`` runs load -> clean -> chunk -> embed -> store over the course book (in memory, or in a
folder that a later run reopens without embedding again when the pages have not changed); ``tutor()`` puts a chat
model on top.
"""

from dataclasses import dataclass
from pathlib import Path

from rag.answer import DEFAULT_MIN_RELEVANCE, DEFAULT_TOP_K, Tutor
from rag.chunk import DEFAULT_CHUNKING, Chunk, ChunkSettings, chunk_pages
from rag.corpus import book_pages
from rag.retrieve import DenseRetriever, HybridRetriever, LexicalRetriever
from rag.store import ChunkStore
from similarity.embed import embed


@dataclass
class KnowledgeBase:
    """The indexed chunks of the course and the three retrievers over them."""

    store: ChunkStore
    chunks: list[Chunk]
    dense: DenseRetriever
    lexical: LexicalRetriever
    hybrid: HybridRetriever

    def retriever(self, kind: str):
        """The retriever named ``kind``: "dense", "lexical" or "hybrid"."""
        if kind not in ("dense", "lexical", "hybrid"):
            raise ValueError(f"unknown retriever {kind!r}: choose dense, lexical or hybrid")
        return getattr(self, kind)


def build_knowledge_base(
    root: Path | str | None = None,
    store_path: Path | str | None = None,
    settings: ChunkSettings = DEFAULT_CHUNKING,
    progress: bool = False,
) -> KnowledgeBase:
    """Index the course under ``root`` (default: this checkout) into a store at ``store_path`` (None: in memory).

    Chunks already in a persistent store (same id, so same page, position and text) are not embedded again, and
    chunks of the store that the pages no longer produce are deleted: the store always mirrors the pages.
    """
    chunks = chunk_pages(book_pages(root), settings)
    store = ChunkStore.open(store_path)
    stored = set(store.collection.get(include=[])["ids"])
    wanted = {chunk.chunk_id for chunk in chunks}
    missing = [chunk for chunk in chunks if chunk.chunk_id not in stored]
    if missing:
        store.add(missing, embed([chunk.embedding_text for chunk in missing], progress=progress))
    stale = sorted(stored - wanted)
    if stale:
        store.collection.delete(ids=stale)
    dense = DenseRetriever(store)
    lexical = LexicalRetriever(chunks)
    return KnowledgeBase(store, chunks, dense, lexical, HybridRetriever(dense, lexical))


def tutor(
    knowledge_base: KnowledgeBase,
    chat_model=None,
    retriever: str = "hybrid",
    top_k: int = DEFAULT_TOP_K,
    min_relevance: float = DEFAULT_MIN_RELEVANCE,
) -> Tutor:
    """A ``Tutor`` over ``knowledge_base``; the chat model defaults to the local SmolLM2."""
    if chat_model is None:
        from rag.generate import chat_model as smollm2

        chat_model = smollm2()
    return Tutor(knowledge_base.retriever(retriever), knowledge_base.dense, chat_model, top_k, min_relevance)
