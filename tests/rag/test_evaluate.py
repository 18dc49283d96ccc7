"""The evaluation's metrics on hand-made results, and the evaluation run end to end on the small course."""

import statistics

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from rag.answer import Answer
from rag.chunk import Chunk
from rag.evalset import EvalQuestion
from rag.evaluate import (
    RetrievalResult,
    answer_summary,
    citation_precision,
    evaluate_answers,
    evaluate_retrieval,
    groundedness,
    main,
    retrieval_summary,
    spread,
)
from rag.pipeline import tutor
from rag.retrieve import Hit

HNSW = EvalQuestion(
    "q1", "Which setting finds more true neighbours?", True, "book/a/vectors.md", "HNSW", "x", "ef_search", "paraphrase"
)
FILTERS = EvalQuestion(
    "q2", "How do I restrict a query to one page?", True, "book/a/vectors.md", "Metadata filters", "x", "x", "lexical"
)
OFF_TOPIC = EvalQuestion("q3", "Who painted the Mona Lisa?", False, None, None, None, None, "unanswerable")


def hit(source: str, text: str, rank: int = 1) -> Hit:
    return Hit(Chunk(f"{source}{rank}", source, "S", "S", text, rank, "0" * 64), 0.5, rank)


def answer(text: str, hits: list[Hit], cited: list[int]) -> Answer:
    return Answer("q", text, hits, cited, attributed=False, refused=False, gated=False, relevance=0.5)


def test_groundedness_counts_answer_words_found_in_the_cited_passages():
    hits = [hit("a.md", "graphs hold candidates"), hit("b.md", "folders persist", 2)]
    assert groundedness(answer("Graphs hold numerous candidates.", hits, [1])) == pytest.approx(3 / 4)
    assert groundedness(answer("Graphs hold numerous candidates.", hits, [2])) == 0.0
    assert groundedness(answer("Graphs hold numerous candidates.", hits, [])) == 0.0


def test_citation_precision_is_the_share_of_citations_from_the_expected_page():
    hits = [hit("book/a/vectors.md", "x"), hit("other.md", "y", 2)]
    assert citation_precision(answer("a", hits, [1, 2]), HNSW) == 0.5
    assert citation_precision(answer("a", hits, [1]), HNSW) == 1.0
    assert citation_precision(answer("a", hits, []), HNSW) is None


def test_retrieval_summary_from_ranks():
    results = [
        RetrievalResult("q1", "dense", 1, 1),
        RetrievalResult("q2", "dense", 3, 1),
        RetrievalResult("q3", "dense", None, 7),
        RetrievalResult("q4", "dense", 8, 2),
    ]
    summary = retrieval_summary(results)["dense"]
    assert summary["hit_at_1"] == 0.25
    assert summary["hit_at_5"] == 0.5
    assert summary["mrr_at_10"] == pytest.approx((1 + 1 / 3 + 0 + 1 / 8) / 4)
    assert summary["page_hit_at_5"] == 0.75


def test_spread_takes_evenly_spaced_answerable_questions_and_every_unanswerable_one():
    questions = [EvalQuestion(f"a{i}", "q", True, "p", "s", "e", "a", "lexical") for i in range(10)] + [OFF_TOPIC]
    assert [q.id for q in spread(questions, 3)] == ["a0", "a3", "a7", "q3"]
    assert len(spread(questions, None)) == 11


def test_retrieval_and_answers_on_the_small_course(knowledge_base):
    retrieval = evaluate_retrieval([HNSW, FILTERS, OFF_TOPIC], {"hybrid": knowledge_base.hybrid})
    assert [(r.id, r.rank) for r in retrieval] == [("q1", 1), ("q2", 1)]

    model = FakeListChatModel(responses=["Raise ef_search to keep more candidates [1].", "I don't know."])
    results = evaluate_answers([HNSW, FILTERS, OFF_TOPIC], tutor(knowledge_base, model, top_k=2, min_relevance=0.2))
    summary = answer_summary(results)
    assert [r.gated for r in results] == [False, False, True]
    assert summary["refusal_rate_unanswerable"] == 1.0, "the off-topic question is refused by the relevance gate"
    assert summary["false_refusal_rate"] == 0.5, "the model refused the second question"
    assert summary["citation_precision"] == 1.0
    assert 0 < summary["groundedness"] <= 1
    assert summary["median_answer_ms"] == statistics.median([results[0].total_ms, results[1].total_ms])


def test_command_refuses_a_broken_set(tmp_path, capsys):
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json\n", encoding="utf-8")
    assert main(["--eval-set", str(broken)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    assert main(["--answers", "some"]) == 2
