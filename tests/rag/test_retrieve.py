"""Dense, BM25 and hybrid retrieval over a small indexed course, and reciprocal rank fusion by hand."""

import pytest

from rag.chunk import Chunk
from rag.retrieve import Hit, LexicalRetriever, reciprocal_rank_fusion, tokenize


def chunk(name: str, text: str = "text") -> Chunk:
    return Chunk(name, "p.md", name, name, text, 0, "0" * 64)


def hits(*names: str) -> list[Hit]:
    return [Hit(chunk(name), 1.0 / rank, rank) for rank, name in enumerate(names, start=1)]


def test_fusion_prefers_what_both_rankings_find():
    fused = reciprocal_rank_fusion([hits("a", "b", "c"), hits("c", "d", "a")], k=4)
    assert [hit.chunk.chunk_id for hit in fused] == ["a", "c", "b", "d"]
    assert fused[0].score == pytest.approx(1 / 61 + 1 / 63)
    assert [hit.rank for hit in fused] == [1, 2, 3, 4]


def test_fusion_breaks_ties_by_first_appearance_and_cuts_at_k():
    fused = reciprocal_rank_fusion([hits("x", "y"), hits("y", "x")], k=1)
    assert [hit.chunk.chunk_id for hit in fused] == ["x"]


def test_tokenize_keeps_identifiers_and_drops_stop_words():
    assert tokenize("What is the ef_search of HNSW in chapter 4.3?") == ["ef_search", "hnsw", "chapter", "4.3"]


def test_bm25_ranks_by_shared_rare_words_and_skips_non_matches():
    chunks = [chunk("a", "graphs of small worlds"), chunk("b", "persistent folders"), chunk("c", "graphs")]
    found = LexicalRetriever(chunks).search("small world graphs", 5)
    assert [hit.chunk.chunk_id for hit in found] == ["a", "c"]
    assert found[0].score > found[1].score > 0


def test_bm25_needs_chunks():
    with pytest.raises(ValueError, match="at least one chunk"):
        LexicalRetriever([])


@pytest.mark.parametrize("kind", ["dense", "lexical", "hybrid"])
def test_each_retriever_finds_the_section_that_answers(knowledge_base, kind):
    retriever = knowledge_base.retriever(kind)
    top = retriever.search("Which HNSW parameter trades query speed for finding more true neighbours?", 3)
    assert top[0].chunk.section == "HNSW"
    assert [hit.rank for hit in top] == list(range(1, len(top) + 1))
    top = retriever.search("Does a persistent client keep the collection when I reopen the folder?", 3)
    assert top[0].chunk.section == "Persistence"


def test_dense_scores_are_cosine_similarities_best_first(knowledge_base):
    found = knowledge_base.dense.search("metadata where filter", 5)
    scores = [hit.score for hit in found]
    assert scores == sorted(scores, reverse=True)
    assert all(-1.0 <= score <= 1.0 for score in scores)
    assert found[0].chunk.section == "Metadata filters"


def test_dense_retriever_honours_a_metadata_filter(knowledge_base):
    from rag.retrieve import DenseRetriever

    only_notebooks = DenseRetriever(knowledge_base.store, where={"source": "notebooks/vectors/vectors.ipynb"})
    found = only_notebooks.search("metadata where filter", 5)
    assert {hit.chunk.source for hit in found} == {"notebooks/vectors/vectors.ipynb"}


@pytest.mark.parametrize(("query", "k", "message"), [("  ", 3, "empty"), ("hnsw", 0, "positive"), ("x", "3", "k")])
def test_bad_queries_are_refused(knowledge_base, query, k, message):
    for kind in ("dense", "lexical", "hybrid"):
        with pytest.raises(ValueError, match=message):
            knowledge_base.retriever(kind).search(query, k)


def test_unknown_retriever_is_named(knowledge_base):
    with pytest.raises(ValueError, match="unknown retriever 'sparse'"):
        knowledge_base.retriever("sparse")
