"""Approximate nearest sentences through a Chroma collection (HNSW, cosine space), fully offline.

Chroma embeds query texts with the collection's embedding function, and falls back to its own default ONNX model
(which it downloads) when a collection has none. Every collection made here is created with
``SentenceEmbeddingFunction``, registered with Chroma under ``EMBEDDING_FUNCTION_NAME`` so that a persistent
collection reopens with it too; sentences are added with the embeddings ``similarity.embed`` already computed.
"""

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function

from similarity.embed import embed
from similarity.search import Match, check_k

EMBEDDING_FUNCTION_NAME = "similarity-all-minilm-l6-v2"
CLIENT_SETTINGS = {"anonymized_telemetry": False, "allow_reset": False}


@register_embedding_function
class SentenceEmbeddingFunction(EmbeddingFunction[Documents]):
    """Chroma's view of ``similarity.embed``: L2-normalised all-MiniLM-L6-v2 rows for a list of texts."""

    def __init__(self, batch_size: int = 64):
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, not {batch_size!r}")
        self.batch_size = batch_size

    def __call__(self, input: Documents) -> Embeddings:
        return list(embed(list(input), batch_size=self.batch_size))

    @staticmethod
    def name() -> str:
        return EMBEDDING_FUNCTION_NAME

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "ip", "l2"]

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "SentenceEmbeddingFunction":
        return SentenceEmbeddingFunction(**config)

    def get_config(self) -> dict[str, Any]:
        return {"batch_size": self.batch_size}

    @staticmethod
    def validate_config(config: dict[str, Any]) -> None:
        unknown = set(config) - {"batch_size"}
        if unknown:
            raise ValueError(f"{EMBEDDING_FUNCTION_NAME}: unknown config key(s) {sorted(unknown)}")


@dataclass(frozen=True)
class HnswSettings:
    """HNSW parameters of a collection: build effort, search effort and graph degree (Chroma's ``hnsw`` block)."""

    ef_construction: int = 200
    ef_search: int = 100
    max_neighbors: int = 32

    def __post_init__(self):
        for name, value in asdict(self).items():
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"HNSW {name} must be a positive integer, not {value!r}")

    def configuration(self) -> dict:
        return {"hnsw": {"space": "cosine", **asdict(self)}}


def client(path: Path | str | None = None) -> ClientAPI:
    """An in-memory Chroma client, or a persistent one in the folder ``path``; telemetry off."""
    settings = chromadb.Settings(**CLIENT_SETTINGS)
    if path is None:
        return chromadb.EphemeralClient(settings=settings)
    return chromadb.PersistentClient(path=str(path), settings=settings)


def server_client(host: str, port: int) -> ClientAPI:
    """A client of a Chroma server (``chroma run``) at ``host``:``port``; telemetry off."""
    return chromadb.HttpClient(host=host, port=port, settings=chromadb.Settings(**CLIENT_SETTINGS))


class ChromaIndex:
    """Sentences in a Chroma collection (ids are their positions), searched by HNSW in cosine space.

    Build one with ``ChromaIndex.build`` (an in-memory collection is deleted by ``close`` or on leaving a ``with``
    block; a persistent one stays on disk) or reopen a persistent one with ``ChromaIndex.open``.
    """

    def __init__(self, chroma: ClientAPI, collection: Collection, persistent: bool):
        self.client = chroma
        self.collection: Collection | None = collection
        self.persistent = persistent

    @classmethod
    def build(
        cls,
        sentences: list[str],
        embeddings: np.ndarray,
        hnsw: HnswSettings = HnswSettings(),
        path: Path | str | None = None,
        name: str | None = None,
    ) -> "ChromaIndex":
        """A new collection holding ``sentences`` with their precomputed ``embeddings`` (one row each)."""
        embeddings = np.asarray(embeddings, dtype=np.float32)
        if embeddings.ndim != 2 or len(embeddings) != len(sentences):
            raise ValueError(
                f"expected one embedding row per sentence ({len(sentences)}), got an array of shape {embeddings.shape}"
            )
        if not sentences:
            raise ValueError("a Chroma index needs at least one sentence")
        chroma = client(path)
        collection = chroma.create_collection(
            name or f"sentences-{uuid4().hex}",
            configuration=hnsw.configuration(),
            embedding_function=SentenceEmbeddingFunction(),
        )
        index = cls(chroma, collection, persistent=path is not None)
        try:
            step = chroma.get_max_batch_size()
            for start in range(0, len(sentences), step):
                stop = min(start + step, len(sentences))
                collection.add(
                    ids=[str(i) for i in range(start, stop)],
                    embeddings=embeddings[start:stop],
                    documents=list(sentences[start:stop]),
                )
        except BaseException:
            index.close()
            raise
        return index

    @classmethod
    def open(cls, path: Path | str, name: str) -> "ChromaIndex":
        """The persistent collection ``name`` in the folder ``path``, with its registered embedding function."""
        chroma = client(path)
        return cls(chroma, chroma.get_collection(name, embedding_function=SentenceEmbeddingFunction()), True)

    def __len__(self) -> int:
        return self.collection.count()

    def __enter__(self) -> "ChromaIndex":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Delete an in-memory collection (its memory is otherwise held until the process ends)."""
        if not self.persistent and self.collection is not None:
            self.client.delete_collection(self.collection.name)
            self.collection = None

    def search(self, query: np.ndarray, k: int = 5) -> list[Match]:
        """The ``k`` sentences nearest to one query embedding, best first."""
        return self.search_many(np.asarray(query, dtype=np.float32)[None, :], k)[0]

    def search_many(self, queries: np.ndarray, k: int = 5) -> list[list[Match]]:
        """``search`` for each row of ``queries``."""
        queries = np.asarray(queries, dtype=np.float32)
        if queries.ndim != 2:
            raise ValueError(f"expected a matrix of query embeddings, got shape {queries.shape}")
        return self.results(self.collection.query(query_embeddings=queries, n_results=self.n_results(k)))

    def search_text(self, queries: list[str], k: int = 5) -> list[list[Match]]:
        """The ``k`` nearest sentences of each query text, embedded by the collection's embedding function."""
        if isinstance(queries, str):
            raise TypeError("search_text takes a list of query strings")
        return self.results(self.collection.query(query_texts=list(queries), n_results=self.n_results(k)))

    def n_results(self, k: int) -> int:
        return min(check_k(k), len(self))

    @staticmethod
    def results(answer: dict) -> list[list[Match]]:
        """Chroma's answer as Matches: score = 1 - cosine distance, ties by lower index."""
        found = []
        for ids, documents, distances in zip(answer["ids"], answer["documents"], answer["distances"], strict=True):
            matches = [
                Match(document, int(id_), 1.0 - float(distance))
                for id_, document, distance in zip(ids, documents, distances, strict=True)
            ]
            found.append(sorted(matches, key=lambda match: (-match.score, match.index)))
        return found
