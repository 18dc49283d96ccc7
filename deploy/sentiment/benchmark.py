"""Load benchmark of the classifier service: throughput and latency by batch size and concurrency.

``python -m sentiment.benchmark`` starts the service on a free loopback port (or uses ``--url`` of one already
running, on this machine), then for every pair of batch size (texts per request) and concurrency (requests in
flight) sends requests made of review texts, bounded by ``--requests`` and ``--seconds``, and prints requests
per second, texts per second, p50/p95/p99 latency and errors. ``--output FILE`` also writes the figures as JSON.
"""

import argparse
import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import numpy as np

from sentiment.healthcheck import service_is_ready

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
STARTUP_SECONDS = 60
TEXT_CORPUS = Path(__file__).resolve().parents[2] / "data" / "reviews" / "reviews-v1.csv"


@dataclass
class RunResult:
    batch_size: int
    concurrency: int
    requests: int
    errors: int
    seconds: float
    requests_per_second: float
    texts_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float


def review_texts() -> list[str]:
    """The course's review texts, or short made-up ones when the corpus is not beside the package."""
    if TEXT_CORPUS.is_file():
        from sentiment.data import load_reviews

        return load_reviews(TEXT_CORPUS)["text"].tolist()
    return [f"review number {i}: it was {'great' if i % 2 else 'awful'}, really" for i in range(1000)]


def summarise(batch_size: int, concurrency: int, latencies: list[float], errors: int, seconds: float) -> RunResult:
    p50, p95, p99 = np.percentile(latencies, [50, 95, 99]) if latencies else (float("nan"),) * 3
    done = len(latencies)
    return RunResult(
        batch_size=batch_size,
        concurrency=concurrency,
        requests=done + errors,
        errors=errors,
        seconds=round(seconds, 3),
        requests_per_second=round(done / seconds, 1),
        texts_per_second=round(done * batch_size / seconds, 1),
        p50_ms=round(1000 * float(p50), 2),
        p95_ms=round(1000 * float(p95), 2),
        p99_ms=round(1000 * float(p99), 2),
    )


async def run_load(url: str, texts: list[str], batch_size: int, concurrency: int, requests: int, seconds: float):
    """Send up to ``requests`` requests of ``batch_size`` texts, ``concurrency`` at a time, for at most ``seconds``."""
    latencies: list[float] = []
    errors = 0
    sent = 0
    deadline = time.perf_counter() + seconds

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors, sent
        while sent < requests and time.perf_counter() < deadline:
            start = (sent * batch_size) % len(texts)
            sent += 1
            batch = (texts[start:] + texts)[:batch_size]
            began = time.perf_counter()
            try:
                response = await client.post(f"{url}/predict", json={"texts": batch})
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            if ok:
                latencies.append(time.perf_counter() - began)
            else:
                errors += 1

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        began = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    return summarise(batch_size, concurrency, latencies, errors, elapsed)


def require_loopback(url: str) -> None:
    host = urlsplit(url).hostname
    if host not in LOOPBACK_HOSTS:
        raise SystemExit(f"--url must point at this machine (127.0.0.1 or localhost), not {host!r}")


def start_server(port: int) -> subprocess.Popen:
    """``python -m sentiment.serve`` on 127.0.0.1:``port``, its logs discarded; waits until it is ready."""
    env = {**os.environ, "SENTIMENT_HOST": "127.0.0.1", "SENTIMENT_PORT": str(port), "SENTIMENT_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [sys.executable, "-m", "sentiment.serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + STARTUP_SECONDS
    while not service_is_ready(port, timeout=1):
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise SystemExit(f"the service did not become ready on port {port} within {STARTUP_SECONDS} s")
        time.sleep(0.1)
    return server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def print_table(results: list[RunResult]) -> None:
    header = f"{'batch':>5} {'conc.':>5} {'req':>5} {'err':>4} {'req/s':>8} {'texts/s':>9} {'p50 ms':>8} {'p95 ms':>8}"
    print(header)
    for r in results:
        print(
            f"{r.batch_size:>5} {r.concurrency:>5} {r.requests:>5} {r.errors:>4} {r.requests_per_second:>8.1f} "
            f"{r.texts_per_second:>9.1f} {r.p50_ms:>8.2f} {r.p95_ms:>8.2f}"
        )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="benchmark a service already running on this machine (default: start one)")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 8, 64])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--requests", type=int, default=300, help="requests per run at most (default 300)")
    parser.add_argument("--seconds", type=float, default=15.0, help="seconds per run at most (default 15)")
    parser.add_argument("--warmup", type=int, default=20, help="requests sent before measuring (default 20)")
    parser.add_argument("--output", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if min(args.batch_sizes + args.concurrency) < 1 or args.requests < 1 or args.seconds <= 0:
        parser.error("batch sizes, concurrency, --requests and --seconds must be positive")
    if max(args.batch_sizes) > 256:
        parser.error("the service accepts at most 256 texts per request")
    return args


def main(argv: list[str] | None = None) -> list[RunResult]:
    args = parse_args(argv)
    server = None
    if args.url:
        require_loopback(args.url)
        url = args.url.rstrip("/")
    else:
        port = free_port()
        server = start_server(port)
        url = f"http://127.0.0.1:{port}"
    texts = review_texts()
    try:
        asyncio.run(run_load(url, texts, 8, 1, args.warmup, args.seconds))
        results = [
            asyncio.run(run_load(url, texts, batch_size, concurrency, args.requests, args.seconds))
            for batch_size in args.batch_sizes
            for concurrency in args.concurrency
        ]
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    print_table(results)
    if args.output:
        report = {
            "command": "python -m sentiment.benchmark " + " ".join(argv if argv is not None else sys.argv[1:]),
            "measured_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.system()},
            "runs": [asdict(r) for r in results],
        }
        args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
