"""The vector store: chunks, their embeddings and metadata in a Chroma collection (HNSW, cosine space), offline.

The collection is created with the course's registered embedding function (``similarity.chroma``), so Chroma never
falls back to its downloading default, and a persistent collection reopens with the same model. Chunks are added
with the embeddings computed here, in batches Chroma accepts.
"""

from pathlib import Path
from uuid import uuid4

import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection

from rag.chunk import Chunk
from similarity.chroma import HnswSettings, SentenceEmbeddingFunction, client
from similarity.embed import embed

COLLECTION = "course"
DEFAULT_HNSW = HnswSettings()


class ChunkStore:
    """The chunks of a knowledge base in one Chroma collection; ``where`` filters use the chunk metadata."""

    def __init__(self, chroma: ClientAPI, collection: Collection, persistent: bool):
        self.client = chroma
        self.collection = collection
        self.persistent = persistent

    @classmethod
    def open(
        cls, path: Path | str | None = None, name: str = COLLECTION, hnsw: HnswSettings = DEFAULT_HNSW
    ) -> "ChunkStore":
        """The collection ``name`` in the folder ``path``, created if it does not exist; with no ``path``, a new
        in-memory collection (Chroma shares one in-memory database per process, so it gets a unique name)."""
        if path is None:
            name = f"{name}-{uuid4().hex}"
        return cls.in_client(client(path), name, hnsw, persistent=path is not None)

    @classmethod
    def in_client(
        cls, chroma: ClientAPI, name: str = COLLECTION, hnsw: HnswSettings = DEFAULT_HNSW, persistent: bool = True
    ) -> "ChunkStore":
        """The collection ``name`` of any Chroma client (on disk, in memory or a server), created if missing."""
        collection = chroma.get_or_create_collection(
            name, embedding_function=SentenceEmbeddingFunction(), configuration=hnsw.configuration()
        )
        return cls(chroma, collection, persistent)

    def close(self) -> None:
        """Delete an in-memory collection (its memory is otherwise held until the process ends)."""
        if not self.persistent:
            self.client.delete_collection(self.collection.name)

    def __len__(self) -> int:
        return self.collection.count()

    def add(self, chunks: list[Chunk], embeddings: np.ndarray | None = None) -> None:
        """Insert or replace ``chunks`` (by id), embedding their ``embedding_text`` unless ``embeddings`` are given."""
        if embeddings is None:
            embeddings = embed([chunk.embedding_text for chunk in chunks])
        if len(embeddings) != len(chunks):
            raise ValueError(f"{len(chunks)} chunks but {len(embeddings)} embeddings")
        step = self.client.get_max_batch_size()
        for start in range(0, len(chunks), step):
            batch = chunks[start : start + step]
            self.collection.upsert(
                ids=[chunk.chunk_id for chunk in batch],
                documents=[chunk.text for chunk in batch],
                metadatas=[chunk.metadata() for chunk in batch],
                embeddings=embeddings[start : start + step],
            )

    def search(self, query: np.ndarray, k: int, where: dict | None = None) -> list[tuple[Chunk, float]]:
        """The ``k`` chunks nearest to one query embedding, best first, with their cosine similarity."""
        n_results = min(k, len(self))
        if n_results == 0:
            return []
        answer = self.collection.query(
            query_embeddings=[query], n_results=n_results, where=where, include=["documents", "metadatas", "distances"]
        )
        rows = zip(
            answer["ids"][0], answer["documents"][0], answer["metadatas"][0], answer["distances"][0], strict=True
        )
        return [(to_chunk(id_, text, meta), 1.0 - distance) for id_, text, meta, distance in rows]

    def chunks(self) -> list[Chunk]:
        """Every chunk in the store, ordered by page and position."""
        answer = self.collection.get(include=["documents", "metadatas"])
        rows = zip(answer["ids"], answer["documents"], answer["metadatas"], strict=True)
        return sorted((to_chunk(*row) for row in rows), key=lambda chunk: (chunk.source, chunk.ordinal))


def to_chunk(chunk_id: str, text: str, metadata: dict) -> Chunk:
    """A chunk rebuilt from what the collection stores."""
    return Chunk(
        chunk_id=chunk_id,
        source=metadata["source"],
        section=metadata["section"],
        heading_path=metadata["heading_path"],
        text=text,
        ordinal=int(metadata["ordinal"]),
        page_sha256=metadata["page_sha256"],
    )
