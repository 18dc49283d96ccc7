"""Evaluate the RAG pipeline on the course's evaluation set: retrieval (dense against hybrid) and answers.

Retrieval: a question is a hit at rank r when the r-th chunk comes from the expected page and section; hit@1, hit@5
and MRR@10 per retriever, and hit@5 at page level. Answers (greedy decoding, so a run repeats exactly): refusal rate
on the unanswerable questions and false refusals on the others; citation precision (share of cited passages from the
expected page); groundedness (share of the answer's content words found in the passages it cites); time per answer.

``python -m rag.evaluate`` prints the tables; ``--answers N`` also generates answers for N answerable questions
(spread evenly over the set) and every unanswerable one; ``--answers all`` for the full run.
"""

import argparse
import json
import os
import platform
import statistics
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import torch

from rag.answer import Answer, Tutor
from rag.evalset import EvalQuestion, EvalSetError, check_against_pages, load_eval_set
from rag.retrieve import Hit, Retriever, tokenize

RETRIEVERS = ("dense", "hybrid")
MRR_DEPTH = 10


def is_hit(hit: Hit, question: EvalQuestion) -> bool:
    return hit.chunk.source == question.source and hit.chunk.section == question.section


def first_hit_rank(hits: list[Hit], question: EvalQuestion) -> int | None:
    """The rank of the first chunk from the expected page and section, or None."""
    return next((hit.rank for hit in hits if is_hit(hit, question)), None)


@dataclass(frozen=True)
class RetrievalResult:
    id: str
    retriever: str
    rank: int | None
    page_rank: int | None


def evaluate_retrieval(questions: list[EvalQuestion], retrievers: dict[str, Retriever]) -> list[RetrievalResult]:
    """The rank of the first right chunk in the top ``MRR_DEPTH`` for every answerable question and retriever."""
    results = []
    for name, retriever in retrievers.items():
        for question in questions:
            if not question.answerable:
                continue
            hits = retriever.search(question.question, MRR_DEPTH)
            page_rank = next((hit.rank for hit in hits if hit.chunk.source == question.source), None)
            results.append(RetrievalResult(question.id, name, first_hit_rank(hits, question), page_rank))
    return results


def retrieval_summary(results: list[RetrievalResult]) -> dict[str, dict[str, float]]:
    """hit@1, hit@5, MRR@10 and page-level hit@5 per retriever."""
    summary = {}
    for name in dict.fromkeys(result.retriever for result in results):
        ranks = [result for result in results if result.retriever == name]
        summary[name] = {
            "questions": len(ranks),
            "hit_at_1": share(r.rank == 1 for r in ranks),
            "hit_at_5": share(r.rank is not None and r.rank <= 5 for r in ranks),
            "mrr_at_10": statistics.fmean(1 / r.rank if r.rank else 0.0 for r in ranks),
            "page_hit_at_5": share(r.page_rank is not None and r.page_rank <= 5 for r in ranks),
        }
    return summary


def share(flags) -> float:
    flags = list(flags)
    return sum(flags) / len(flags) if flags else float("nan")


def groundedness(answer: Answer) -> float:
    """The share of the answer's content words that occur in the passages it cites (0 when it cites none)."""
    words = tokenize(answer.text)
    if not words:
        return 0.0
    cited = {word for hit in answer.citations for word in tokenize(hit.chunk.text)}
    return sum(word in cited for word in words) / len(words)


def citation_precision(answer: Answer, question: EvalQuestion) -> float | None:
    """The share of cited passages that come from the question's page (None when nothing is cited)."""
    if not answer.citations:
        return None
    return share(hit.chunk.source == question.source for hit in answer.citations)


@dataclass(frozen=True)
class AnswerResult:
    id: str
    answerable: bool
    text: str
    refused: bool
    gated: bool
    attributed: bool
    cited_sources: list[str]
    citation_precision: float | None
    groundedness: float
    relevance: float
    total_ms: float


def evaluate_answers(questions: list[EvalQuestion], tutor: Tutor) -> list[AnswerResult]:
    """Ask every question afresh (no chat history) and score the answer."""
    results = []
    for question in questions:
        tutor.reset()
        answer = tutor.ask(question.question)
        results.append(
            AnswerResult(
                id=question.id,
                answerable=question.answerable,
                text=answer.text,
                refused=answer.refused,
                gated=answer.gated,
                attributed=answer.attributed,
                cited_sources=[hit.chunk.source for hit in answer.citations],
                citation_precision=citation_precision(answer, question) if question.answerable else None,
                groundedness=groundedness(answer),
                relevance=answer.relevance,
                total_ms=answer.timings_ms["total"],
            )
        )
    tutor.reset()
    return results


def answer_summary(results: list[AnswerResult]) -> dict[str, float]:
    """The answer metrics over a run (see the module docstring)."""
    answerable = [r for r in results if r.answerable]
    answered = [r for r in answerable if not r.refused]
    unanswerable = [r for r in results if not r.answerable]
    precisions = [r.citation_precision for r in answered if r.citation_precision is not None]
    generated = [r.total_ms for r in results if not r.gated]
    return {
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "refusal_rate_unanswerable": share(r.refused for r in unanswerable),
        "false_refusal_rate": share(r.refused for r in answerable),
        "model_cited_rate": share(not r.attributed for r in answered),
        "citation_precision": statistics.fmean(precisions) if precisions else float("nan"),
        "groundedness": statistics.fmean(r.groundedness for r in answered) if answered else float("nan"),
        "median_answer_ms": statistics.median(generated) if generated else float("nan"),
        "mean_answer_ms": statistics.fmean(generated) if generated else float("nan"),
    }


def spread(questions: list[EvalQuestion], n: int | None) -> list[EvalQuestion]:
    """``n`` answerable questions spread evenly over the set (all when None), then every unanswerable one."""
    answerable = [q for q in questions if q.answerable]
    if n is not None and n < len(answerable):
        answerable = [answerable[round(i * len(answerable) / n)] for i in range(n)]
    return answerable + [q for q in questions if not q.answerable]


def run_context(argv: list[str] | None, chunks: list) -> dict:
    """What a reader of the figures needs to reproduce them: the command, when, where, and what was indexed."""
    return {
        "command": "python -m rag.evaluate " + " ".join(argv if argv is not None else sys.argv[1:]),
        "measured_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "python": platform.python_version(),
            "load_average_1m": os.getloadavg()[0],
        },
        "index": {"pages": len({chunk.source for chunk in chunks}), "chunks": len(chunks)},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rag.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("--eval-set", type=Path, help="JSONL evaluation set (default: the course's v1)")
    parser.add_argument("--store", type=Path, help="persistent Chroma folder (default: build in memory)")
    parser.add_argument("--answers", default="0", help="answerable questions to generate answers for: N or 'all'")
    parser.add_argument("--output", type=Path, help="also write every figure and per-question result as JSON")
    parser.add_argument("--threads", type=int, default=1, help="PyTorch threads (default 1: steady on a busy machine)")
    args = parser.parse_args(argv)
    try:
        questions = load_eval_set(args.eval_set)
        n_answers = None if args.answers == "all" else int(args.answers)
    except (EvalSetError, ValueError) as error:
        print(f"python -m rag.evaluate: error: {error}", file=sys.stderr)
        return 2
    from rag.corpus import book_pages
    from rag.pipeline import build_knowledge_base, tutor

    torch.set_num_threads(args.threads)

    problems = check_against_pages(questions, book_pages())
    if problems:
        print("python -m rag.evaluate: error: the evaluation set does not match the book:", *problems, sep="\n  ")
        return 2
    knowledge_base = build_knowledge_base(store_path=args.store)
    retrieval = evaluate_retrieval(questions, {name: knowledge_base.retriever(name) for name in RETRIEVERS})
    report = {**run_context(argv, knowledge_base.chunks), "retrieval": retrieval_summary(retrieval)}
    report["retrieval_per_question"] = [asdict(r) for r in retrieval]
    print(json.dumps(report["retrieval"], indent=2))
    if n_answers != 0:
        answers = evaluate_answers(spread(questions, n_answers), tutor(knowledge_base))
        report["answers"] = answer_summary(answers)
        report["answers_per_question"] = [asdict(r) for r in answers]
        print(json.dumps(report["answers"], indent=2))
    if args.output:
        args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
