"""``python -m similarity FILE "query"``: print the sentences of a UTF-8 text file most similar to a query.

Exit status 0 on success, 2 on a usage error: a missing, unreadable or non-UTF-8 file, an empty document or
query, or an invalid option. ``FILE`` may be ``-`` for standard input.
"""

import argparse
import json
import sys
from pathlib import Path

from similarity.pipeline import INDEX_KINDS, similar_sentences
from similarity.search import Match

USAGE_ERROR = 2


class UsageError(Exception):
    """A problem with the command line or its input file; the message says which."""


def read_document(name: str) -> str:
    """The text of the file ``name`` (``-`` for standard input), decoded as UTF-8."""
    try:
        if name == "-":
            return sys.stdin.buffer.read().decode("utf-8")
        path = Path(name)
        if not path.exists():
            raise UsageError(f"{name}: no such file")
        if path.is_dir():
            raise UsageError(f"{name}: is a folder, not a text file")
        return path.read_bytes().decode("utf-8")
    except PermissionError as error:
        raise UsageError(f"{name}: cannot read the file (permission denied)") from error
    except OSError as error:
        raise UsageError(f"{name}: cannot read the file ({error.strerror or error})") from error
    except UnicodeDecodeError as error:
        raise UsageError(f"{name}: not UTF-8 text (invalid byte at offset {error.start})") from error


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m similarity", description=__doc__.splitlines()[0])
    parser.add_argument("file", metavar="FILE", help="a UTF-8 text file (- for standard input)")
    parser.add_argument("query", help="the sentence or phrase to look for")
    parser.add_argument("-k", type=int, default=5, help="how many sentences to print (default 5)")
    parser.add_argument("--index", choices=INDEX_KINDS, default="exact", help="exact NumPy search or Chroma HNSW")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args(argv)
    if args.k < 1:
        parser.error(f"-k must be at least 1, not {args.k}")
    if not args.query.strip():
        parser.error("the query is empty")
    return args


def render(matches: list[Match], as_json: bool, query: str, index: str) -> str:
    if as_json:
        rows = [{"rank": rank, **vars(match)} for rank, match in enumerate(matches, 1)]
        return json.dumps({"query": query, "index": index, "matches": rows}, ensure_ascii=False, indent=2)
    return "\n".join(
        f"{rank:>2}. {match.score:.4f}  [sentence {match.index}] {match.sentence}"
        for rank, match in enumerate(matches, 1)
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        document = read_document(args.file)
        if not document.strip():
            raise UsageError(f"{args.file}: the document is empty")
        try:
            matches = similar_sentences(document, args.query, k=args.k, index=args.index)
        except ValueError as error:
            raise UsageError(f"{args.file}: {error}") from error
    except UsageError as error:
        print(f"python -m similarity: error: {error}", file=sys.stderr)
        return USAGE_ERROR
    print(render(matches, args.json, args.query, args.index))
    return 0


if __name__ == "__main__":
    sys.exit(main())
