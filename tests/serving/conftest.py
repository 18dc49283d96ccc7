"""The classifier service under test: in-process through FastAPI's TestClient, and helpers for a real server."""

import socket
import time
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from sentiment.serve import create_app
from sentiment.settings import Settings

READY_TIMEOUT_SECONDS = 60


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` every 50 ms until it holds; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


@pytest.fixture(name="wait_until", scope="session")
def wait_until_fixture():
    """``wait_until(condition, timeout, what)``, for tests that poll a server."""
    return wait_until


@pytest.fixture(name="free_port", scope="session")
def free_port_fixture():
    """``free_port()``: a TCP port on 127.0.0.1 that nothing listens on."""
    return free_port


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def client():
    """A client of the service with the committed model, once the model is loaded."""
    with TestClient(create_app(Settings())) as test_client:
        wait_until(lambda: test_client.get("/ready").status_code == 200, READY_TIMEOUT_SECONDS, "/ready")
        yield test_client
