"""``python -m rag``: index the course, search it, or ask the tutor from a terminal.

    python -m rag index [--store DIR]               build (or refresh) the index and print what it holds
    python -m rag search "query" [-k 5]             the best passages, with page, section and score
    python -m rag ask "question" [--stream]         an answer with numbered citations
    python -m rag chat                              questions from standard input, one per line, with history

Every command takes ``--store DIR`` (a persistent Chroma folder reused between runs; default: in memory) and
``--retriever dense|lexical|hybrid`` (default hybrid). Exit status 2 on a usage error, with a one-line message.
"""

import argparse
import json
import sys
from pathlib import Path

from rag.answer import DEFAULT_TOP_K, Answer
from rag.corpus import CorpusError
from rag.pipeline import KnowledgeBase, build_knowledge_base, tutor

USAGE_ERROR = 2


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m rag", description=__doc__.splitlines()[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--store", type=Path, help="persistent Chroma folder (default: in memory)")
    common.add_argument("--root", type=Path, help="the course folder to index (default: this checkout)")
    common.add_argument("--retriever", choices=("dense", "lexical", "hybrid"), default="hybrid")
    common.add_argument("-k", "--top-k", type=int, default=DEFAULT_TOP_K, help="passages to retrieve")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("index", parents=[common], help="build or refresh the index")
    search = commands.add_parser("search", parents=[common], help="print the best passages for a query")
    search.add_argument("query")
    search.add_argument("--json", action="store_true", help="print JSON instead of text")
    ask = commands.add_parser("ask", parents=[common], help="answer one question")
    ask.add_argument("question")
    ask.add_argument("--stream", action="store_true", help="print the answer as it is generated")
    commands.add_parser("chat", parents=[common], help="answer questions read from standard input")
    args = parser.parse_args(argv)
    if args.top_k < 1:
        parser.error(f"--top-k must be at least 1, not {args.top_k}")
    text = getattr(args, "query", None) or getattr(args, "question", None)
    if text is not None and not text.strip():
        parser.error("the question is empty")
    return args


def render_answer(answer: Answer) -> str:
    lines = [answer.text, ""]
    label = "Attributed passages" if answer.attributed else "Cited passages"
    if answer.citations:
        lines.append(f"{label}:")
        lines += [
            f"  [{n}] {answer.hits[n - 1].chunk.source} › {answer.hits[n - 1].chunk.section}" for n in answer.cited
        ]
    return "\n".join(lines).rstrip()


def search_rows(knowledge_base: KnowledgeBase, args: argparse.Namespace) -> list[dict]:
    hits = knowledge_base.retriever(args.retriever).search(args.query, args.top_k)
    return [
        {
            "rank": h.rank,
            "score": round(h.score, 4),
            "source": h.chunk.source,
            "section": h.chunk.section,
            "chunk_id": h.chunk.chunk_id,
            "text": h.chunk.text,
        }
        for h in hits
    ]


def run(args: argparse.Namespace) -> None:
    knowledge_base = build_knowledge_base(args.root, args.store)
    if args.command == "index":
        pages = len({chunk.source for chunk in knowledge_base.chunks})
        print(f"{len(knowledge_base.chunks)} chunks from {pages} pages in {args.store or 'memory'}")
    elif args.command == "search":
        rows = search_rows(knowledge_base, args)
        if args.json:
            print(json.dumps({"query": args.query, "results": rows}, ensure_ascii=False, indent=2))
        for row in [] if args.json else rows:
            print(f"{row['rank']:>2}. {row['score']:.4f}  {row['source']} › {row['section']}")
    else:
        chat = tutor(knowledge_base, retriever=args.retriever, top_k=args.top_k)
        questions = [args.question] if args.command == "ask" else (line.strip() for line in sys.stdin)
        for question in questions:
            if not question:
                continue
            if getattr(args, "stream", False):
                for piece in chat.stream(question):
                    print(piece, end="", flush=True)
                print()
            else:
                print(render_answer(chat.ask(question)), flush=True)
            if args.command == "chat":
                print()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        run(args)
    except (CorpusError, ValueError) as error:
        print(f"python -m rag: error: {error}", file=sys.stderr)
        return USAGE_ERROR
    return 0


if __name__ == "__main__":
    sys.exit(main())
