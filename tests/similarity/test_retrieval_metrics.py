"""recall@5 and MRR on hand-made rankings whose values are worked out by hand, and the evaluation command."""

import json

import pytest

from similarity.evaluate import QueryResult, main, recall_at_k, reciprocal_rank, summarise

RANKED = ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11"]


@pytest.mark.parametrize(
    ("answers", "recall", "rr"),
    [
        (["s1"], 1.0, 1.0),  # first place
        (["s3", "s6"], 0.5, 1 / 3),  # one of two in the top 5, the first at rank 3
        (["s6", "s2", "s5"], 2 / 3, 1 / 2),  # s2 and s5 in the top 5; the best-ranked answer is s2
        (["s7"], 0.0, 1 / 7),  # outside the top 5 but inside the top 10
        (["s11"], 0.0, 0.0),  # rank 11: too deep for MRR@10
        (["elsewhere"], 0.0, 0.0),  # never ranked
        (["s4", "s4"], 1.0, 1 / 4),  # a repeated answer counts once
    ],
)
def test_recall_at_5_and_reciprocal_rank_by_hand(answers, recall, rr):
    assert recall_at_k(RANKED, answers) == pytest.approx(recall)
    assert reciprocal_rank(RANKED, answers) == pytest.approx(rr)


def test_a_query_without_answers_is_refused():
    with pytest.raises(ValueError, match="at least one answer"):
        recall_at_k(RANKED, [])


def test_summaries_average_queries_per_topic_and_overall():
    results = [
        QueryResult("d1", "recipe", "q1", recall_at_5=1.0, reciprocal_rank=1.0, answers_missing_from_sentences=0),
        QueryResult("d1", "recipe", "q2", recall_at_5=0.5, reciprocal_rank=1 / 3, answers_missing_from_sentences=0),
        QueryResult("d2", "email", "q3", recall_at_5=0.0, reciprocal_rank=0.0, answers_missing_from_sentences=0),
    ]
    summary = summarise(results)
    assert list(summary) == ["recipe", "email", "overall"]
    assert summary["recipe"] == {"documents": 1, "queries": 2, "recall_at_5": 0.75, "mrr": pytest.approx(2 / 3)}
    assert summary["email"] == {"documents": 1, "queries": 1, "recall_at_5": 0.0, "mrr": 0.0}
    assert summary["overall"] == {"documents": 2, "queries": 3, "recall_at_5": 0.5, "mrr": pytest.approx(4 / 9)}


TINY_DATASET = {
    "id": "doc-a",
    "title": "Kettle",
    "topic": "manual",
    "text": "Fill the kettle with water. Press the switch to boil it.\n\nThe warranty lasts two years.",
    "queries": [
        {"id": "q-a", "query": "How long is the guarantee?", "answers": ["The warranty lasts two years."]},
        {"id": "q-b", "query": "How do I start heating?", "answers": ["Press the switch to boil it."]},
    ],
}


@pytest.mark.parametrize("index", ["exact", "chroma"])
def test_the_command_scores_a_tiny_dataset_and_writes_json(model, tmp_path, capsys, index):
    dataset, output = tmp_path / "tiny.jsonl", tmp_path / "scores.json"
    dataset.write_text(json.dumps(TINY_DATASET) + "\n", encoding="utf-8")
    assert main(["--dataset", str(dataset), "--index", index, "--output", str(output)]) == 0
    printed = capsys.readouterr().out
    assert "tiny.jsonl: 1 documents, 2 queries" in printed and "overall" in printed
    report = json.loads(output.read_text(encoding="utf-8"))
    assert report["summary"]["overall"]["recall_at_5"] == 1.0  # three sentences: every answer is in the top 5
    assert report["summary"]["overall"]["mrr"] == 1.0
    assert [query["query_id"] for query in report["queries"]] == ["q-a", "q-b"]


def test_the_command_refuses_a_malformed_dataset_naming_the_line(tmp_path, capsys):
    dataset = tmp_path / "broken.jsonl"
    dataset.write_text(json.dumps(TINY_DATASET) + "\n{not json\n", encoding="utf-8")
    assert main(["--dataset", str(dataset)]) == 2
    assert "broken.jsonl, line 2: not valid JSON" in capsys.readouterr().err
