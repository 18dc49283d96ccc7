"""Exact NumPy search against Chroma's HNSW index at growing sizes: build time, query latency and HNSW recall@5.

``python -m similarity.benchmark`` indexes the first n sentences of one fixed corpus for each ``--sizes`` n (1,000,
10,000 and 100,000 by default) and, for a bounded set of queries, measures per-query search time (median and
p95, query already embedded) and the share of the exact top 5 that HNSW also returns (recall@5 against exact).
The course's goal at 100,000 sentences: recall@5 at least 0.98 and a query under 20 ms. Exact search runs with
``--blas-threads`` BLAS threads (1 by default: one query on one core, as a server answering concurrent queries
would, and steadier than two threads on a busy machine).

The corpus is real text, offline: the sentences of the course's review corpus (``data/reviews/reviews-v1.csv``)
and of the similarity dataset's documents, then, to reach the largest size, new distinct sentences each made of
the start of one real sentence and the end of another (cut at random word positions, fixed seed). The queries
are the similarity dataset's queries followed by corpus-style sentences that are not in the index. Embeddings
are cached in ``--cache-dir`` (keyed by the sentences' sha256), so only the first run pays the ~3 minutes of
embedding 100,000 sentences.
"""

import argparse
import hashlib
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from similarity.chroma import ChromaIndex, HnswSettings
from similarity.data import SIMILARITY_V1, load_dataset
from similarity.embed import MODEL_NAME, embed
from similarity.search import ExactIndex
from similarity.sentences import split_sentences

MAX_SIZE = 200_000
MAX_QUERIES = 1_000
MIN_WORDS = 4
K = 5
WARMUP_QUERIES = 5
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "similarity-benchmark"


@dataclass
class SizeResult:
    """The figures of exact and HNSW search over the first ``size`` sentences."""

    size: int
    exact_build_s: float
    exact_query_median_ms: float
    exact_query_p95_ms: float
    hnsw_build_s: float
    hnsw_query_median_ms: float
    hnsw_query_p95_ms: float
    hnsw_recall_at_5: float


def real_sentences() -> list[str]:
    """Distinct sentences of at least ``MIN_WORDS`` words from the review corpus and the similarity dataset."""
    from sentiment.data import REVIEWS_V1, load_reviews

    texts = load_reviews(REVIEWS_V1)["text"].tolist() if REVIEWS_V1.is_file() else []
    if SIMILARITY_V1.is_file():
        texts += [document.text for document in load_dataset(SIMILARITY_V1)]
    sentences = [sentence for text in texts for sentence in split_sentences(text)]
    sentences = list(dict.fromkeys(sentence for sentence in sentences if len(sentence.split()) >= MIN_WORDS))
    if len(sentences) < 100:
        raise SystemExit(f"too few real sentences to build a corpus from ({len(sentences)}): is data/ beside deploy/?")
    return sentences


def recombined(sentences: list[str], count: int, seed: int, exclude: set[str]) -> list[str]:
    """``count`` new distinct sentences, each the start of one of ``sentences`` and the end of another."""
    words = [sentence.split() for sentence in sentences]
    rng = np.random.default_rng(seed)
    made: list[str] = []
    seen = set(exclude)
    while len(made) < count:
        for first, second in rng.integers(len(words), size=(2 * (count - len(made)) + 16, 2)):
            if first == second:
                continue
            head, tail = words[first], words[second]
            sentence = " ".join(head[: rng.integers(1, len(head))] + tail[rng.integers(1, len(tail)) :])
            if sentence not in seen:
                seen.add(sentence)
                made.append(sentence)
                if len(made) == count:
                    break
    return made


def corpus(size: int, num_queries: int, seed: int) -> tuple[list[str], list[str], int]:
    """``size`` distinct sentences to index (real ones first, shuffled), ``num_queries`` queries, the real count."""
    real = real_sentences()
    real = [real[i] for i in np.random.default_rng(seed).permutation(len(real))]
    documents = load_dataset(SIMILARITY_V1) if SIMILARITY_V1.is_file() else []
    queries = [query.query for document in documents for query in document.queries][:num_queries]
    extra = recombined(real, max(0, size - len(real)) + num_queries - len(queries), seed + 1, set(real))
    pool = real + extra
    return pool[:size], queries + pool[size:][: num_queries - len(queries)], min(len(real), size)


def cached_embeddings(sentences: list[str], cache_dir: Path | None) -> np.ndarray:
    """``embed(sentences)``, read from or written to ``cache_dir`` under the sha256 of the model and sentences."""
    key = hashlib.sha256("\n".join([MODEL_NAME, *sentences]).encode("utf-8")).hexdigest()[:24]
    path = cache_dir / f"{key}.npy" if cache_dir else None
    if path is not None and path.is_file():
        vectors = np.load(path)
        if vectors.shape == (len(sentences), vectors.shape[1]):
            return vectors
    vectors = embed(sentences, batch_size=128, progress=len(sentences) > 1000)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
    return vectors


def timed_queries(search, queries: np.ndarray) -> tuple[list, np.ndarray]:
    """Each query's results and search time in ms, after ``WARMUP_QUERIES`` untimed searches."""
    for query in queries[:WARMUP_QUERIES]:
        search(query, K)
    results, times = [], []
    for query in queries:
        began = time.perf_counter()
        results.append(search(query, K))
        times.append(1000 * (time.perf_counter() - began))
    return results, np.array(times)


def measure(sentences: list[str], vectors: np.ndarray, queries: np.ndarray, hnsw: HnswSettings) -> SizeResult:
    """Exact and HNSW figures over ``sentences`` (with their ``vectors``) for the ``queries`` embeddings."""
    began = time.perf_counter()
    exact = ExactIndex(sentences, vectors)
    exact_build = time.perf_counter() - began
    exact_results, exact_times = timed_queries(exact.search, queries)
    began = time.perf_counter()
    with ChromaIndex.build(sentences, vectors, hnsw=hnsw) as chroma_index:
        hnsw_build = time.perf_counter() - began
        hnsw_results, hnsw_times = timed_queries(chroma_index.search, queries)
    recalls = [
        len({m.index for m in found} & {m.index for m in truth}) / len(truth)
        for found, truth in zip(hnsw_results, exact_results, strict=True)
    ]
    return SizeResult(
        size=len(sentences),
        exact_build_s=round(exact_build, 4),
        exact_query_median_ms=round(float(np.median(exact_times)), 3),
        exact_query_p95_ms=round(float(np.percentile(exact_times, 95)), 3),
        hnsw_build_s=round(hnsw_build, 3),
        hnsw_query_median_ms=round(float(np.median(hnsw_times)), 3),
        hnsw_query_p95_ms=round(float(np.percentile(hnsw_times, 95)), 3),
        hnsw_recall_at_5=round(float(np.mean(recalls)), 4),
    )


HEADER = (
    f"{'sentences':>9}  {'exact build s':>13} {'query ms p50':>12} {'p95':>7}  "
    f"{'HNSW build s':>12} {'query ms p50':>12} {'p95':>7} {'recall@5':>9}"
)


def row(r: SizeResult) -> str:
    return (
        f"{r.size:>9,}  {r.exact_build_s:>13.3f} {r.exact_query_median_ms:>12.2f} {r.exact_query_p95_ms:>7.2f}  "
        f"{r.hnsw_build_s:>12.2f} {r.hnsw_query_median_ms:>12.2f} {r.hnsw_query_p95_ms:>7.2f} "
        f"{r.hnsw_recall_at_5:>9.3f}"
    )


def plot(results: list[SizeResult], path: Path) -> None:
    """Query latency (median, p95 dashed) and HNSW recall@5 against the number of sentences, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r.size for r in results]
    figure, (latency, recall) = plt.subplots(1, 2, figsize=(10, 4))
    for name, color in (("exact", "tab:blue"), ("hnsw", "tab:orange")):
        label = "exact (NumPy)" if name == "exact" else "HNSW (Chroma)"
        latency.plot(sizes, [getattr(r, f"{name}_query_median_ms") for r in results], "o-", color=color, label=label)
        latency.plot(sizes, [getattr(r, f"{name}_query_p95_ms") for r in results], "--", color=color, alpha=0.6)
    latency.axhline(20, color="grey", linestyle=":", label="goal: 20 ms")
    latency.set(xscale="log", yscale="log", xlabel="sentences", ylabel="ms per query", title="Search time (p50, p95)")
    latency.legend()
    recall.plot(sizes, [r.hnsw_recall_at_5 for r in results], "o-", color="tab:orange", label="HNSW")
    recall.axhline(0.98, color="grey", linestyle=":", label="goal: 0.98")
    recall.set(xscale="log", ylim=(min(0.9, *(r.hnsw_recall_at_5 for r in results)) - 0.01, 1.005))
    recall.set(xlabel="sentences", ylabel="recall@5 against exact", title="HNSW recall@5")
    recall.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m similarity.benchmark", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000], help="sentences indexed")
    parser.add_argument("--queries", type=int, default=200, help="queries timed per size (default 200)")
    parser.add_argument("--ef-construction", type=int, default=HnswSettings.ef_construction)
    parser.add_argument("--ef-search", type=int, default=HnswSettings.ef_search)
    parser.add_argument("--max-neighbors", type=int, default=HnswSettings.max_neighbors)
    parser.add_argument("--seed", type=int, default=0, help="seed of the corpus order and recombination")
    parser.add_argument("--blas-threads", type=int, default=1, help="BLAS threads for exact search (default 1)")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE, help="embedding cache (default %(default)s)")
    parser.add_argument("--no-cache", action="store_true", help="embed everything again and cache nothing")
    parser.add_argument("--output", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--plot", type=Path, metavar="PNG", help="also draw latency and recall against size")
    args = parser.parse_args(argv)
    if not all(10 <= size <= MAX_SIZE for size in args.sizes):
        parser.error(f"--sizes must be between 10 and {MAX_SIZE:,}")
    if args.blas_threads < 1:
        parser.error("--blas-threads must be at least 1")
    if not 1 <= args.queries <= MAX_QUERIES:
        parser.error(f"--queries must be between 1 and {MAX_QUERIES}")
    try:
        args.hnsw = HnswSettings(args.ef_construction, args.ef_search, args.max_neighbors)
    except ValueError as error:
        parser.error(str(error))
    return args


def main(argv: list[str] | None = None) -> list[SizeResult]:
    args = parse_args(argv)
    started, load_before = time.perf_counter(), os.getloadavg()[0]
    sizes = sorted(set(args.sizes))
    sentences, queries, num_real = corpus(max(sizes), args.queries, args.seed)
    cache_dir = None if args.no_cache else args.cache_dir
    print(
        f"corpus: {len(sentences):,} distinct sentences ({num_real:,} real ones from the review corpus and the "
        f"similarity dataset, the rest recombined from them); {len(queries)} queries; top {K}"
    )
    began = time.perf_counter()
    vectors = cached_embeddings(sentences, cache_dir)
    query_vectors = cached_embeddings(queries, cache_dir)
    embed_seconds = time.perf_counter() - began
    print(f"embeddings: {embed_seconds:.1f} s ({MODEL_NAME}, cache {cache_dir or 'off'}); HNSW {asdict(args.hnsw)}")
    print(f"exact search with {args.blas_threads} BLAS thread(s); times are per query, embedding excluded")
    print(HEADER)
    results = []
    with threadpool_limits(limits=args.blas_threads, user_api="blas"):
        for size in sizes:
            results.append(measure(sentences[:size], vectors[:size], query_vectors, args.hnsw))
            print(row(results[-1]), flush=True)
    wall, load_after = time.perf_counter() - started, os.getloadavg()[0]
    largest = results[-1]
    print(
        f"goal at {largest.size:,}: recall@5 {largest.hnsw_recall_at_5:.3f} (>= 0.98) and query "
        f"{largest.hnsw_query_median_ms:.1f} ms median, {largest.hnsw_query_p95_ms:.1f} ms p95 (< 20 ms);\n"
        f"wall {wall:.0f} s on {os.cpu_count()} CPUs; load average {load_before:.1f} before, {load_after:.1f} after"
    )
    if args.output:
        report = {
            "command": "python -m similarity.benchmark " + " ".join(argv if argv is not None else sys.argv[1:]),
            "measured_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "system": platform.system(),
                "load_average_1m": [round(load_before, 2), round(load_after, 2)],
            },
            "corpus": {"sentences": len(sentences), "real_sentences": num_real, "seed": args.seed},
            "queries": len(queries),
            "k": K,
            "hnsw": asdict(args.hnsw),
            "blas_threads": args.blas_threads,
            "embedding_seconds": round(embed_seconds, 1),
            "wall_seconds": round(wall, 1),
            "results": [asdict(r) for r in results],
        }
        args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if args.plot:
        plot(results, args.plot)
    return results


if __name__ == "__main__":
    main()
