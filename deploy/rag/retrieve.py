"""Retrievers over the chunks: dense (embeddings in the vector store), lexical (BM25) and hybrid (both, fused).

Every retriever answers ``search(query, k)`` with ``Hit``s, best first. The hybrid retriever fuses the two rankings
by reciprocal rank (Cormack et al., 2009): a chunk scores ``sum 1 / (60 + rank)`` over the rankings it appears in,
so a passage that both find near the top wins, and neither retriever's score scale matters.

Source priors weight scores by where a chunk comes from. By default a student notebook's markdown counts 0.8 of a
book page's: a notebook restates its chapter as exercises, and when both match, the page that teaches is the
better passage to answer from and to cite.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import numpy as np
from rank_bm25 import BM25Okapi
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from rag.chunk import Chunk
from rag.store import ChunkStore
from similarity.embed import embed

RRF_CONSTANT = 60
FUSION_DEPTH = 20
DEFAULT_PRIORS = {"notebooks/": 0.8}  # source prefix -> weight; any other source weighs 1
PRIOR_OVERFETCH = 20  # extra candidates fetched so that reweighting can promote a page past notebooks
WORD = re.compile(r"[a-z0-9]+(?:[-_.][a-z0-9]+)*")


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk, its score under the retriever that found it, and its rank (1 = best)."""

    chunk: Chunk
    score: float
    rank: int


class Retriever(Protocol):
    def search(self, query: str, k: int) -> list[Hit]: ...


def check_query(query: str, k: int) -> None:
    """Refuse what no retriever can answer: an empty query or a k below 1."""
    if not isinstance(query, str) or not query.strip():
        raise ValueError("the query is empty")
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer, not {k!r}")


def ranked(pairs: list[tuple[Chunk, float]]) -> list[Hit]:
    return [Hit(chunk, float(score), rank) for rank, (chunk, score) in enumerate(pairs, start=1)]


def prior(chunk: Chunk, priors: dict[str, float]) -> float:
    """The weight of the first source prefix in ``priors`` that ``chunk.source`` starts with, else 1."""
    return next((weight for prefix, weight in priors.items() if chunk.source.startswith(prefix)), 1.0)


def reweighted(pairs: list[tuple[Chunk, float]], priors: dict[str, float], k: int) -> list[tuple[Chunk, float]]:
    """The ``k`` best (chunk, score) pairs once each score is multiplied by its source's prior (stable for ties)."""
    weighted = [(chunk, score * prior(chunk, priors)) for chunk, score in pairs]
    return sorted(weighted, key=lambda pair: pair[1], reverse=True)[:k]


class DenseRetriever:
    """Nearest chunks by cosine similarity of all-MiniLM-L6-v2 embeddings (HNSW), weighted by source priors."""

    def __init__(self, store: ChunkStore, where: dict | None = None, priors: dict[str, float] = DEFAULT_PRIORS):
        self.store = store
        self.where = where
        self.priors = priors

    def search(self, query: str, k: int) -> list[Hit]:
        check_query(query, k)
        candidates = self.store.search(query_embedding(query), k + PRIOR_OVERFETCH, where=self.where)
        return ranked(reweighted(candidates, self.priors, k))


@lru_cache(maxsize=64)
def query_embedding(query: str) -> np.ndarray:
    """The query's embedding, kept for the next few calls: the tutor's refusal gate and its retriever share it."""
    vector = embed([query])[0]
    vector.flags.writeable = False
    return vector


def tokenize(text: str) -> list[str]:
    """Lower-cased words and identifiers (``top_k``, ``ef_search``, ``3.1``), English stop words left out."""
    return [word for word in WORD.findall(text.lower()) if word not in ENGLISH_STOP_WORDS]


class LexicalRetriever:
    """BM25 (Okapi) over the chunks' heading paths and texts, weighted by source priors: exact words count."""

    def __init__(self, chunks: list[Chunk], priors: dict[str, float] = DEFAULT_PRIORS):
        if not chunks:
            raise ValueError("BM25 needs at least one chunk")
        self.chunks = chunks
        self.bm25 = BM25Okapi([tokenize(chunk.embedding_text) for chunk in chunks])
        self.weights = np.array([prior(chunk, priors) for chunk in chunks])

    def search(self, query: str, k: int) -> list[Hit]:
        check_query(query, k)
        scores = self.bm25.get_scores(tokenize(query)) * self.weights
        order = np.lexsort((np.arange(len(scores)), -scores))[:k]  # best first, ties in corpus order
        return ranked([(self.chunks[i], scores[i]) for i in order if scores[i] > 0])


def reciprocal_rank_fusion(rankings: list[list[Hit]], k: int, constant: int = RRF_CONSTANT) -> list[Hit]:
    """The ``k`` best chunks of several rankings by summed ``1 / (constant + rank)``; ties keep first-seen order."""
    fused: dict[str, float] = {}
    chunks: dict[str, Chunk] = {}
    for hits in rankings:
        for hit in hits:
            key = hit.chunk.chunk_id
            fused[key] = fused.get(key, 0.0) + 1.0 / (constant + hit.rank)
            chunks.setdefault(key, hit.chunk)
    best = sorted(fused, key=fused.__getitem__, reverse=True)[:k]  # sorted is stable: ties stay in first-seen order
    return ranked([(chunks[key], fused[key]) for key in best])


class HybridRetriever:
    """Dense and BM25 rankings to ``depth`` each, fused by reciprocal rank."""

    def __init__(self, dense: DenseRetriever, lexical: LexicalRetriever, depth: int = FUSION_DEPTH):
        self.dense = dense
        self.lexical = lexical
        self.depth = depth

    def search(self, query: str, k: int) -> list[Hit]:
        check_query(query, k)
        depth = max(k, self.depth)
        return reciprocal_rank_fusion([self.dense.search(query, depth), self.lexical.search(query, depth)], k)
