"""Exact nearest sentences by cosine similarity, with NumPy: the reference that approximate indexes are judged by.

Rows are L2-normalised, so cosine similarity is a dot product. ``top_k`` finds the k best with
``np.argpartition`` (linear in n) and sorts only those k: by score, highest first, then by index, lowest first,
so equal scores always come out in the same order.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Match:
    """A sentence of the document, its position in it (from 0) and its cosine similarity to the query."""

    sentence: str
    index: int
    score: float


def check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise TypeError(f"k must be an integer, not {type(k).__name__}")
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    return int(k)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest ``scores`` (all of them if there are fewer), best first, ties by lower index."""
    scores = np.asarray(scores)
    if scores.ndim != 1:
        raise ValueError(f"scores must be one-dimensional, not of shape {scores.shape}")
    if np.isnan(scores).any():
        raise ValueError("scores contain NaN")
    k = min(check_k(k), len(scores))
    if k == 0:
        return np.empty(0, dtype=np.intp)
    if k < len(scores):
        candidates = np.argpartition(-scores, k - 1)[:k]
        kth = scores[candidates].min()
        above = candidates[scores[candidates] > kth]  # every score above the k-th is among the candidates
        tied = np.flatnonzero(scores == kth)[: k - len(above)]  # the lowest indices among those equal to the k-th
        candidates = np.concatenate([above, tied])
    else:
        candidates = np.arange(len(scores))
    return candidates[np.lexsort((candidates, -scores[candidates]))]


class ExactIndex:
    """Sentences and their embeddings (one L2-normalised row each), searched exhaustively."""

    def __init__(self, sentences: list[str], embeddings: np.ndarray):
        embeddings = np.asarray(embeddings, dtype=np.float32)
        if embeddings.ndim != 2 or len(embeddings) != len(sentences):
            raise ValueError(
                f"expected one embedding row per sentence ({len(sentences)}), got an array of shape {embeddings.shape}"
            )
        self.sentences = list(sentences)
        self.embeddings = embeddings

    def __len__(self) -> int:
        return len(self.sentences)

    def search(self, query: np.ndarray, k: int = 5) -> list[Match]:
        """The ``k`` sentences most similar to one query embedding, best first."""
        query = np.asarray(query, dtype=np.float32)
        if query.shape != (self.embeddings.shape[1],):
            raise ValueError(f"expected one query embedding of size {self.embeddings.shape[1]}, got {query.shape}")
        scores = self.embeddings @ query
        return [Match(self.sentences[i], int(i), float(scores[i])) for i in top_k(scores, k)]

    def search_many(self, queries: np.ndarray, k: int = 5) -> list[list[Match]]:
        """``search`` for each row of ``queries`` (one matrix product for all of them)."""
        queries = np.asarray(queries, dtype=np.float32)
        if queries.ndim != 2 or queries.shape[1] != self.embeddings.shape[1]:
            raise ValueError(f"expected query embeddings of size {self.embeddings.shape[1]}, got {queries.shape}")
        scores = queries @ self.embeddings.T
        return [[Match(self.sentences[i], int(i), float(row[i])) for i in top_k(row, k)] for row in scores]
