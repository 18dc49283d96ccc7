"""The pipeline on a small document (split, embed, search) and the embeddings it relies on."""

import subprocess
import sys

import numpy as np
import pytest

from similarity.embed import DIMENSION, embed, load_model
from similarity.pipeline import similar_sentences
from similarity.search import Match

DOG_ANSWER = "Dogs are welcome in the garden rooms, but not in the restaurant."


@pytest.mark.parametrize("index", ["exact", "chroma"])
def test_the_obvious_best_match_comes_first(model, document, index):
    matches = similar_sentences(document, "Can I bring my dog?", k=3, index=index)
    assert len(matches) == 3 and all(isinstance(match, Match) for match in matches)
    assert matches[0].sentence == DOG_ANSWER
    assert matches[0].index == 7
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


def test_exact_and_chroma_agree_on_a_small_document(model, document):
    query = "Is there somewhere to charge my electric vehicle?"
    exact = similar_sentences(document, query, k=5)
    chroma = similar_sentences(document, query, k=5, index="chroma")
    assert [m.index for m in exact] == [m.index for m in chroma]
    assert exact[0].sentence == "Electric cars can charge at two points near the lift."


def test_k_larger_than_the_document_returns_every_sentence(model):
    matches = similar_sentences("One short sentence. Another one.", "sentence", k=10)
    assert sorted(m.index for m in matches) == [0, 1]


@pytest.mark.parametrize(
    ("document", "query", "k", "index", "message"),
    [
        ("", "query", 5, "exact", "the document is empty"),
        ("  \n\t ", "query", 5, "exact", "the document is empty"),
        ("Text.", "", 5, "exact", "the query is empty"),
        ("Text.", "   ", 5, "exact", "the query is empty"),
        ("Text.", "query", 0, "exact", "k must be at least 1, not 0"),
        ("Text.", "query", -1, "exact", "k must be at least 1"),
        ("Text.", "query", 5, "faiss", "index must be one of exact, chroma, not 'faiss'"),
        ("-\n\n* \n", "query", 5, "exact", "the document has no sentences"),
    ],
)
def test_invalid_input_is_refused_naming_the_problem(document, query, k, index, message):
    with pytest.raises(ValueError, match=message):
        similar_sentences(document, query, k=k, index=index)


def test_non_string_input_is_refused():
    with pytest.raises(TypeError, match="document must be a string"):
        similar_sentences(["a list"], "query")


def test_embeddings_are_unit_length_float32_rows(model):
    vectors = embed(["The bus leaves at nine.", "A kettle boils water.", "The bus leaves at nine."])
    assert vectors.shape == (3, DIMENSION) and vectors.dtype == np.float32
    assert np.linalg.norm(vectors, axis=1) == pytest.approx(1.0, abs=1e-5)
    assert vectors[0] == pytest.approx(vectors[2], abs=1e-6)
    assert embed([]).shape == (0, DIMENSION)


def test_the_model_is_loaded_once_and_the_progress_bar_shows_only_when_asked(model, capsys):
    assert load_model() is model
    embed(["quiet"])
    assert "Batches" not in capsys.readouterr().err
    embed(["loud"], progress=True)
    assert "Batches" in capsys.readouterr().err


def test_embed_refuses_a_bare_string_and_a_bad_batch_size():
    with pytest.raises(TypeError, match="list of strings"):
        embed("one sentence")
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        embed(["a"], batch_size=0)


def test_the_package_exports_the_pipeline_and_importing_it_loads_no_model():
    """Run in a fresh interpreter: under pytest, tests/similarity/ can shadow the package's top level."""
    code = (
        "import sys, similarity\n"
        "print(sorted(similarity.__all__), similarity.similar_sentences.__module__)\n"
        "print(sorted({'torch', 'sentence_transformers', 'chromadb'} & set(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert result.stdout.splitlines() == ["['Match', 'similar_sentences', 'split_sentences'] similarity.pipeline", "[]"]
