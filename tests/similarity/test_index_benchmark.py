"""The exact-vs-HNSW benchmark: its recombined corpus, its measurements and its outputs (on random vectors)."""

import json

import numpy as np
import pytest

from similarity import benchmark
from similarity.chroma import HnswSettings

REAL = [
    "The breakfast was cold and the coffee worse.",
    "Our guide knew every street of the old town.",
    "The battery lasts two full days of normal use.",
    "I finished the novel in a single rainy weekend.",
]


def test_recombined_sentences_are_new_distinct_and_reproducible():
    made = benchmark.recombined(REAL, 40, seed=3, exclude=set(REAL))
    assert len(made) == len(set(made)) == 40
    assert not set(made) & set(REAL)
    assert made == benchmark.recombined(REAL, 40, seed=3, exclude=set(REAL))
    words = {word for sentence in REAL for word in sentence.split()}
    assert all(set(sentence.split()) <= words for sentence in made)


def unit_rows(n: int, seed: int) -> np.ndarray:
    rows = np.random.default_rng(seed).normal(size=(n, 32)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_measure_reports_full_recall_at_small_size_with_generous_ef():
    result = benchmark.measure(
        [f"s{i}" for i in range(300)], unit_rows(300, 0), unit_rows(20, 1), HnswSettings(200, 200)
    )
    assert result.size == 300
    assert result.hnsw_recall_at_5 == 1.0
    assert 0 < result.exact_query_median_ms <= result.exact_query_p95_ms
    assert 0 < result.hnsw_query_median_ms <= result.hnsw_query_p95_ms and result.hnsw_build_s > 0


def test_the_command_prints_a_table_and_writes_json_and_a_plot(tmp_path, monkeypatch, capsys):
    sentences, queries = [f"s{i}" for i in range(500)], [f"q{i}" for i in range(12)]
    monkeypatch.setattr(benchmark, "corpus", lambda size, num_queries, seed: (sentences[:size], queries, 100))
    monkeypatch.setattr(benchmark, "cached_embeddings", lambda texts, cache_dir: unit_rows(len(texts), len(texts)))
    output, plot = tmp_path / "bench.json", tmp_path / "bench.png"
    results = benchmark.main(["--sizes", "50", "500", "--queries", "12", "--output", str(output), "--plot", str(plot)])
    printed = capsys.readouterr().out
    assert [r.size for r in results] == [50, 500]
    assert "HNSW build s" in printed and "goal at 500: recall@5" in printed
    report = json.loads(output.read_text(encoding="utf-8"))
    assert [r["size"] for r in report["results"]] == [50, 500]
    assert report["hnsw"] == {"ef_construction": 200, "ef_search": 100, "max_neighbors": 32}
    assert report["corpus"]["real_sentences"] == 100 and report["queries"] == 12
    assert plot.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sizes", "5"], "--sizes must be between 10"),
        (["--queries", "0"], "--queries must be between 1"),
        (["--ef-search", "0"], "HNSW ef_search must be a positive integer"),
        (["--blas-threads", "0"], "--blas-threads must be at least 1"),
    ],
)
def test_out_of_bounds_options_are_refused(args, message, capsys):
    with pytest.raises(SystemExit):
        benchmark.parse_args(args)
    assert message in capsys.readouterr().err
