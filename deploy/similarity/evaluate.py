"""Retrieval quality on the labelled dataset: recall@5 and MRR@10, per topic and overall.

For each query the document's sentences are ranked by similarity to the query, then:

- recall@5 is the share of the query's answer sentences found among the top 5 (so a query with more than five
  answers cannot reach 1), averaged over queries;
- MRR is the mean over queries of 1 / rank of the first answer sentence in the ranking, 0 when none is in the
  top 10.

A per-topic figure averages the queries of that topic; "overall" averages all queries (not the topics).
``python -m similarity.evaluate`` prints both; the model is fixed and runs on CPU, so the figures are reproducible.
"""

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from similarity.data import SIMILARITY_V1, DatasetFormatError, Document, load_dataset
from similarity.embed import embed
from similarity.pipeline import INDEX_KINDS, IndexKind
from similarity.search import ExactIndex, Match
from similarity.sentences import normalise, split_sentences

RECALL_DEPTH = 5
MRR_DEPTH = 10


@dataclass(frozen=True)
class QueryResult:
    """The figures of one query, with where it comes from."""

    document_id: str
    topic: str
    query_id: str
    recall_at_5: float
    reciprocal_rank: float
    answers_missing_from_sentences: int


def recall_at_k(ranked: list[str], answers: list[str], k: int = RECALL_DEPTH) -> float:
    """The share of the distinct ``answers`` found among the first ``k`` of ``ranked``."""
    wanted = set(answers)
    if not wanted:
        raise ValueError("a query needs at least one answer")
    return len(wanted & set(ranked[:k])) / len(wanted)


def reciprocal_rank(ranked: list[str], answers: list[str], depth: int = MRR_DEPTH) -> float:
    """1 / the rank (from 1) of the first of ``answers`` in ``ranked``; 0 if none is in the first ``depth``."""
    wanted = set(answers)
    return next((1.0 / rank for rank, sentence in enumerate(ranked[:depth], 1) if sentence in wanted), 0.0)


def rank_document(document: Document, index: IndexKind) -> list[list[Match]]:
    """The top ``MRR_DEPTH`` sentences of ``document`` for each of its queries, with the chosen index."""
    sentences = split_sentences(document.text)
    embeddings = embed(sentences)
    queries = embed([query.query for query in document.queries])
    if index == "exact":
        return ExactIndex(sentences, embeddings).search_many(queries, MRR_DEPTH)
    from similarity.chroma import ChromaIndex

    with ChromaIndex.build(sentences, embeddings) as chroma_index:
        return chroma_index.search_many(queries, MRR_DEPTH)


def evaluate(documents: list[Document], index: IndexKind = "exact") -> list[QueryResult]:
    """One QueryResult per query of ``documents`` (answers are compared with whitespace normalised)."""
    results = []
    for document in documents:
        sentences = set(split_sentences(document.text))
        for query, matches in zip(document.queries, rank_document(document, index), strict=True):
            ranked = [match.sentence for match in matches]
            answers = [normalise(answer) for answer in query.answers]
            results.append(
                QueryResult(
                    document_id=document.id,
                    topic=document.topic,
                    query_id=query.id,
                    recall_at_5=recall_at_k(ranked, answers),
                    reciprocal_rank=reciprocal_rank(ranked, answers),
                    answers_missing_from_sentences=sum(answer not in sentences for answer in set(answers)),
                )
            )
    return results


def summarise(results: list[QueryResult]) -> dict[str, dict]:
    """``{topic: {documents, queries, recall_at_5, mrr}}`` in order of first appearance, then ``"overall"``."""
    groups: dict[str, list[QueryResult]] = defaultdict(list)
    for result in results:
        groups[result.topic].append(result)
    groups["overall"] = list(results)
    return {
        topic: {
            "documents": len({result.document_id for result in group}),
            "queries": len(group),
            "recall_at_5": sum(result.recall_at_5 for result in group) / len(group),
            "mrr": sum(result.reciprocal_rank for result in group) / len(group),
        }
        for topic, group in groups.items()
        if group
    }


def table(summary: dict[str, dict]) -> str:
    width = max(len("topic"), *(len(topic) for topic in summary))
    lines = [f"{'topic':<{width}} {'docs':>5} {'queries':>8} {'recall@5':>9} {'MRR@10':>7}"]
    for topic, row in summary.items():
        if topic == "overall":
            lines.append("-" * len(lines[0]))
        lines.append(
            f"{topic:<{width}} {row['documents']:>5} {row['queries']:>8} {row['recall_at_5']:>9.3f} {row['mrr']:>7.3f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m similarity.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=SIMILARITY_V1, help="JSONL dataset (default: %(default)s)")
    parser.add_argument("--index", choices=INDEX_KINDS, default="exact", help="exact NumPy search or Chroma HNSW")
    parser.add_argument("--output", type=Path, help="also write the summary and per-query figures to this JSON file")
    args = parser.parse_args(argv)
    try:
        documents = load_dataset(args.dataset)
    except DatasetFormatError as error:
        print(f"python -m similarity.evaluate: error: {error}", file=sys.stderr)
        return 2
    results = evaluate(documents, args.index)
    summary = summarise(results)
    print(f"{args.dataset.name}: {len(documents)} documents, {len(results)} queries, index {args.index}")
    print(table(summary))
    missing = sum(result.answers_missing_from_sentences for result in results)
    if missing:
        print(f"warning: {missing} answer(s) are not among their document's sentences and can never be found")
    if args.output:
        report = {"dataset": str(args.dataset), "index": args.index, "summary": summary}
        report["queries"] = [asdict(result) for result in results]
        args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
