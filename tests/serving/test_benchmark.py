"""The load benchmark script: bounded, loopback only, and its figures add up."""

import json

import pytest

from sentiment.benchmark import main


def test_a_small_benchmark_run_reports_every_combination_without_errors(tmp_path):
    output = tmp_path / "figures.json"
    args = ["--batch-sizes", "1", "8", "--concurrency", "1", "2", "--requests", "6", "--seconds", "20"]
    main([*args, "--warmup", "2", "--output", str(output)])
    report = json.loads(output.read_text())
    runs = report["runs"]
    assert [(r["batch_size"], r["concurrency"]) for r in runs] == [(1, 1), (1, 2), (8, 1), (8, 2)]
    for run in runs:
        assert run["requests"] == 6 and run["errors"] == 0, run
        assert run["texts_per_second"] == pytest.approx(run["requests_per_second"] * run["batch_size"], rel=0.01)
        assert 0 < run["p50_ms"] <= run["p95_ms"] <= run["p99_ms"]
    assert report["command"].startswith("python -m sentiment.benchmark --batch-sizes 1 8")


def test_the_benchmark_refuses_a_target_off_this_machine():
    with pytest.raises(SystemExit, match="must point at this machine"):
        main(["--url", "http://192.0.2.10:8001", "--requests", "1"])


def test_the_benchmark_refuses_batches_the_service_would_reject(capsys):
    with pytest.raises(SystemExit):
        main(["--batch-sizes", "300"])
    assert "at most 256 texts" in capsys.readouterr().err
