"""The service as operators run it: ``python -m sentiment.serve`` in its own process, on loopback."""

import json
import os
import signal
import subprocess
import sys

import httpx
import pytest

from sentiment.healthcheck import service_is_ready

STARTUP_SECONDS = 60


@pytest.fixture(scope="module")
def server(tmp_path_factory, free_port, wait_until):
    """A running server on a free loopback port: (base URL, port, path of its captured stdout, process)."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("server") / "stdout.log"
    env = {**os.environ, "SENTIMENT_PORT": str(port), "SENTIMENT_HOST": "127.0.0.1"}
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "sentiment.serve"], stdout=log_file, stderr=subprocess.STDOUT, env=env
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: process.poll() is not None or service_is_ready(port, timeout=1), STARTUP_SECONDS, "/ready")
        assert process.poll() is None, f"the server exited with {process.returncode}:\n{log_path.read_text()}"
        yield base, port, log_path, process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def log_lines(log_path) -> list[dict]:
    return [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]


def test_the_server_predicts_over_http(server):
    base, *_ = server
    response = httpx.post(f"{base}/predict", json={"texts": ["What a wonderful film", "awful, do not buy"]}, timeout=10)
    assert response.status_code == 200, response.text
    assert [p["label"] for p in response.json()["predictions"]] == ["positive", "negative"]


def test_invalid_input_gets_422_from_the_real_server(server):
    base, *_ = server
    response = httpx.post(f"{base}/predict", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "body"


def test_every_log_line_is_json_and_each_request_has_one_line_with_id_and_latency(server):
    base, _, log_path, _ = server
    request_id = "log-test-42"
    httpx.post(f"{base}/predict", json={"texts": ["fine"]}, headers={"X-Request-ID": request_id}, timeout=10)
    lines = log_lines(log_path)  # raises if any line is not JSON
    mine = [line for line in lines if line.get("request_id") == request_id]
    assert len(mine) == 1, mine
    assert mine[0]["path"] == "/predict" and mine[0]["status"] == 200 and mine[0]["latency_ms"] > 0
    assert any(line["message"] == "model loaded" for line in lines)


def test_the_health_probe_sees_the_server_and_not_a_closed_port(server, free_port):
    _, port, *_ = server
    assert service_is_ready(port)
    assert not service_is_ready(free_port(), timeout=1)
    probe = subprocess.run(
        [sys.executable, "-m", "sentiment.healthcheck"], env={**os.environ, "SENTIMENT_PORT": str(port)}, timeout=30
    )
    assert probe.returncode == 0


def test_docs_page_is_served(server):
    base, *_ = server
    assert "swagger" in httpx.get(f"{base}/docs", timeout=10).text.lower()


def test_sigterm_stops_the_server_cleanly(server):
    *_, log_path, process = server
    process.send_signal(signal.SIGTERM)
    returncode = process.wait(timeout=30)
    messages = [line["message"] for line in log_lines(log_path)]
    assert "Application shutdown complete." in messages, messages[-5:]
    assert returncode in (0, -signal.SIGTERM), f"exit status {returncode} after SIGTERM"


def test_an_invalid_setting_stops_the_service_with_a_message_naming_it():
    result = subprocess.run(
        [sys.executable, "-m", "sentiment.serve"],
        env={**os.environ, "SENTIMENT_PORT": "eighty"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "SENTIMENT_PORT" in result.stderr, result.stderr
