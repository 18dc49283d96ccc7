"""Exact top-k search: the same answer as a full sort, ties in a fixed order, k beyond n, bad input refused."""

import numpy as np
import pytest

from similarity.search import ExactIndex, Match, top_k


def brute_force(scores: np.ndarray, k: int) -> list[int]:
    """The reference: every index sorted by score descending, then index ascending."""
    return sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:k]


@pytest.mark.parametrize("k", [1, 2, 5, 17, 99, 100, 101, 1000])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_top_k_agrees_with_a_full_sort_on_random_scores(seed, k):
    scores = np.random.default_rng(seed).normal(size=100).astype(np.float32)
    assert top_k(scores, k).tolist() == brute_force(scores, k)


@pytest.mark.parametrize("k", [1, 3, 4, 5, 8, 12, 30])
def test_ties_come_out_by_lower_index_even_across_the_kth_place(k):
    scores = np.array([0.5, 0.9, 0.5, 0.1, 0.9, 0.5, 0.5, 0.3, 0.9, 0.5] * 3, dtype=np.float32)
    assert top_k(scores, k).tolist() == brute_force(scores, k)


def test_all_equal_scores_give_the_first_k_indices():
    assert top_k(np.zeros(50), 5).tolist() == [0, 1, 2, 3, 4]


def test_k_larger_than_n_returns_everything_sorted_and_empty_scores_nothing():
    assert top_k(np.array([0.1, 0.3, 0.2]), 10).tolist() == [1, 2, 0]
    assert top_k(np.array([], dtype=np.float32), 5).tolist() == []


@pytest.mark.parametrize(
    ("scores", "k", "error", "message"),
    [
        (np.zeros(3), 0, ValueError, "k must be at least 1, not 0"),
        (np.zeros(3), -2, ValueError, "k must be at least 1"),
        (np.zeros(3), 2.0, TypeError, "k must be an integer"),
        (np.zeros(3), True, TypeError, "k must be an integer"),
        (np.zeros((2, 2)), 1, ValueError, "one-dimensional"),
        (np.array([0.1, np.nan]), 1, ValueError, "NaN"),
    ],
)
def test_bad_k_or_scores_are_refused(scores, k, error, message):
    with pytest.raises(error, match=message):
        top_k(scores, k)


def unit_rows(n: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    rows = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_exact_index_returns_typed_matches_by_cosine():
    vectors = unit_rows(50)
    sentences = [f"sentence {i}" for i in range(50)]
    query = vectors[7] + 0.01 * vectors[3]
    query /= np.linalg.norm(query)
    matches = ExactIndex(sentences, vectors).search(query, k=3)
    assert all(isinstance(match, Match) for match in matches)
    assert matches[0].index == 7 and matches[0].sentence == "sentence 7"
    cosines = vectors @ query
    assert [m.index for m in matches] == brute_force(cosines, 3)
    assert [m.score for m in matches] == pytest.approx([float(cosines[m.index]) for m in matches])


def test_search_many_ranks_like_one_query_at_a_time():
    vectors, queries = unit_rows(200), unit_rows(6, seed=1)
    index = ExactIndex([str(i) for i in range(200)], vectors)
    for many, one in zip(index.search_many(queries, 5), [index.search(query, 5) for query in queries], strict=True):
        assert [m.index for m in many] == [m.index for m in one]
        assert [m.score for m in many] == pytest.approx([m.score for m in one], abs=1e-6)


def test_mismatched_sentences_embeddings_or_query_are_refused():
    with pytest.raises(ValueError, match="one embedding row per sentence"):
        ExactIndex(["a", "b"], unit_rows(3))
    index = ExactIndex(["a", "b", "c"], unit_rows(3))
    with pytest.raises(ValueError, match="one query embedding of size 16"):
        index.search(np.zeros(8), 1)
