"""The latency benchmark's arithmetic, and one short run against the tutor."""

import httpx2  # Starlette's TestClient is an httpx2 client
import pytest

from tutor.benchmark import measure, percentiles


def test_percentiles_interpolate_between_the_measured_latencies():
    assert percentiles([float(ms) for ms in range(1, 101)]) == {"p50": 50.5, "p95": 95.0, "max": 100.0}
    assert percentiles([10.0, 20.0]) == {"p50": 15.0, "p95": 19.5, "max": 20.0}


def test_a_short_run_reports_each_route(make_client):
    client = make_client(*["A scripted answer [1]."] * 3)
    results = measure(client, searches=4, asks=3)
    assert results["search"]["requests"] == 4 and results["ask"]["requests"] == 3
    for figures in results.values():
        assert 0 < figures["p50"] <= figures["p95"] <= figures["max"]


def test_an_error_stops_the_run(make_client):
    client = make_client(wait=False, store="server", chroma_port=1)  # never ready
    with pytest.raises(httpx2.HTTPStatusError, match="503"):
        measure(client, searches=2, asks=2)
