"""The Chroma HNSW index: agrees with exact search on a small set, and never uses Chroma's default embedding model."""

import numpy as np
import pytest
from chromadb.api.types import DefaultEmbeddingFunction
from chromadb.utils.embedding_functions import known_embedding_functions
from chromadb.utils.embedding_functions.onnx_mini_lm_l6_v2 import ONNXMiniLM_L6_V2

from similarity.chroma import EMBEDDING_FUNCTION_NAME, ChromaIndex, HnswSettings, SentenceEmbeddingFunction
from similarity.embed import embed
from similarity.search import ExactIndex
from similarity.sentences import split_sentences

GENEROUS = HnswSettings(ef_construction=200, ef_search=200, max_neighbors=32)


def unit_rows(n: int, dim: int = 24, seed: int = 0) -> np.ndarray:
    rows = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@pytest.fixture
def no_default_embedding_function(monkeypatch):
    """Make Chroma's default embedding function (an ONNX model it downloads) fail loudly if anything calls it."""

    def refuse(*args, **kwargs):
        raise AssertionError("Chroma's default embedding function was used")

    monkeypatch.setattr(DefaultEmbeddingFunction, "__call__", refuse)
    monkeypatch.setattr(ONNXMiniLM_L6_V2, "__call__", refuse)
    monkeypatch.setattr(ONNXMiniLM_L6_V2, "_download_model_if_not_exists", refuse)


def test_hnsw_finds_the_exact_top_5_on_a_small_set_with_generous_ef():
    vectors, queries = unit_rows(400), unit_rows(30, seed=1)
    sentences = [f"s{i}" for i in range(400)]
    exact = ExactIndex(sentences, vectors).search_many(queries, 5)
    with ChromaIndex.build(sentences, vectors, hnsw=GENEROUS) as index:
        approximate = index.search_many(queries, 5)
    for found, truth in zip(approximate, exact, strict=True):
        assert [m.index for m in found] == [m.index for m in truth]
        assert [m.sentence for m in found] == [m.sentence for m in truth]
        assert [m.score for m in found] == pytest.approx([m.score for m in truth], abs=1e-4)


def test_the_collection_uses_our_registered_embedding_function_and_cosine_hnsw():
    with ChromaIndex.build(["one", "two"], unit_rows(2), hnsw=HnswSettings(50, 60, 12)) as index:
        configuration = index.collection.configuration
        assert isinstance(index.collection._embedding_function, SentenceEmbeddingFunction)
        assert not isinstance(index.collection._embedding_function, DefaultEmbeddingFunction)
        assert configuration["embedding_function"].name() == EMBEDDING_FUNCTION_NAME
        hnsw = configuration["hnsw"]
        assert (hnsw["space"], hnsw["ef_construction"], hnsw["ef_search"], hnsw["max_neighbors"]) == (
            "cosine",
            50,
            60,
            12,
        )
    assert known_embedding_functions[EMBEDDING_FUNCTION_NAME] is SentenceEmbeddingFunction


def test_query_texts_are_embedded_by_our_function_not_chromas_default(model, document, no_default_embedding_function):
    sentences = split_sentences(document)
    vectors = embed(sentences)
    with ChromaIndex.build(sentences, vectors) as index:
        [matches] = index.search_text(["Can I bring my dog?"], k=3)
    assert matches[0].sentence == "Dogs are welcome in the garden rooms, but not in the restaurant."
    exact = ExactIndex(sentences, vectors).search(embed(["Can I bring my dog?"])[0], k=3)
    assert [m.score for m in matches] == pytest.approx([m.score for m in exact], abs=1e-4)


def test_a_persistent_collection_reopens_with_its_embedding_function(tmp_path, no_default_embedding_function):
    vectors = unit_rows(50)
    sentences = [f"s{i}" for i in range(50)]
    with ChromaIndex.build(sentences, vectors, hnsw=GENEROUS, path=tmp_path, name="doc") as built:
        before = built.search(vectors[4], 3)
    reopened = ChromaIndex.open(tmp_path, "doc")
    assert isinstance(reopened.collection._embedding_function, SentenceEmbeddingFunction)
    assert len(reopened) == 50
    assert [m.index for m in reopened.search(vectors[4], 3)] == [m.index for m in before] and before[0].index == 4


def test_k_beyond_the_collection_size_returns_every_sentence():
    with ChromaIndex.build(["a", "b", "c"], unit_rows(3), hnsw=GENEROUS) as index:
        assert sorted(m.index for m in index.search(unit_rows(1, seed=5)[0], 10)) == [0, 1, 2]
        with pytest.raises(ValueError, match="k must be at least 1"):
            index.search(unit_rows(1)[0], 0)


def test_an_in_memory_collection_is_deleted_on_close():
    index = ChromaIndex.build(["a"], unit_rows(1))
    name, chroma = index.collection.name, index.client
    index.close()
    assert name not in [collection.name for collection in chroma.list_collections()]


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="one embedding row per sentence"):
        ChromaIndex.build(["a", "b"], unit_rows(3))
    with pytest.raises(ValueError, match="at least one sentence"):
        ChromaIndex.build([], np.empty((0, 24), dtype=np.float32))
    with pytest.raises(ValueError, match="HNSW ef_search must be a positive integer"):
        HnswSettings(ef_search=0)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        SentenceEmbeddingFunction(batch_size=0)


def test_the_embedding_function_config_round_trips():
    function = SentenceEmbeddingFunction(batch_size=16)
    assert SentenceEmbeddingFunction.build_from_config(function.get_config()).batch_size == 16
    with pytest.raises(ValueError, match="unknown config key"):
        SentenceEmbeddingFunction.validate_config({"model": "other"})
