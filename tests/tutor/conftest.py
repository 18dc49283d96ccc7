"""Shared by the tutor's tests: the app over the small course with a scripted chat model, and loopback servers."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

from tutor.app import create_app
from tutor.settings import Settings

ADMIN_KEY = "an-admin-key-of-32-characters-xx"
READY_WITHIN_SECONDS = 120
HNSW_QUESTION = "Which HNSW parameter trades query speed for finding more true neighbours?"
HNSW_ANSWER = "The parameter ef_search keeps more candidates, so the walk finds more true neighbours [1]."


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def scripted_model(*answers: str) -> GenericFakeChatModel:
    """A chat model that answers with ``answers`` in turn (and streams each word by word)."""
    return GenericFakeChatModel(messages=iter(answers))


def wait_until_ready(client, seconds: float = READY_WITHIN_SECONDS) -> None:
    """Poll /ready until it answers 200; fail with its last answer."""
    deadline = time.monotonic() + seconds
    while (response := client.get("/ready")).status_code != 200:
        if "failed" in response.text or time.monotonic() > deadline:
            pytest.fail(f"the tutor is not ready: {response.status_code} {response.text}")
        time.sleep(0.2)


def ready_once_loaded(client, seconds: float = READY_WITHIN_SECONDS):
    """The /ready response once loading has ended, well or badly (it no longer says "loading")."""
    deadline = time.monotonic() + seconds
    while "loading:" in (response := client.get("/ready")).text and time.monotonic() < deadline:
        time.sleep(0.1)
    return response


def settings_for(course: Path, data_dir: Path, **overrides) -> Settings:
    """Settings for a test: nothing read from a ``.env`` file, an admin key unless ``overrides`` say otherwise."""
    return Settings(
        _env_file=None, **{"course_dir": course, "data_dir": data_dir, "admin_api_key": ADMIN_KEY, **overrides}
    )


@pytest.fixture
def make_client(rag_course, tmp_path):
    """``make_client(*answers, **settings)``: a started TestClient of the tutor over the small course, once ready."""
    clients = []

    def make(*answers: str, wait: bool = True, **overrides) -> TestClient:
        settings = settings_for(rag_course, tmp_path / f"data{len(clients)}", **overrides)
        client = TestClient(create_app(settings, chat=scripted_model(*answers)))
        clients.append(client.__enter__())
        if wait:
            wait_until_ready(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client):
    """The tutor, ready, whose model answers the HNSW question with a citation, then refuses."""
    return make_client(HNSW_ANSWER, "I don't know.")


class ChromaServer:
    """A Chroma server (``chroma run``) on a loopback port, storing in ``path``; it can be stopped and restarted."""

    def __init__(self, path: Path):
        self.path, self.host, self.port = path, "127.0.0.1", free_port()
        self.log_path = path.with_suffix(".log")
        self.process: subprocess.Popen | None = None

    def start(self) -> "ChromaServer":
        chroma = str(Path(sys.executable).parent / "chroma")
        command = [chroma, "run", "--host", self.host, "--port", str(self.port), "--path", str(self.path)]
        with open(self.log_path, "ab") as log:  # the child keeps its own copy of the file descriptor
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                pytest.fail(f"chroma run did not start: {self.log_path.read_text(errors='replace')[-2000:]}")
            time.sleep(0.2)
        return self

    def answers(self) -> bool:
        try:
            return httpx.get(f"http://{self.host}:{self.port}/api/v2/heartbeat", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@pytest.fixture
def chroma_server(tmp_path):
    """A running Chroma server on loopback, stopped after the test."""
    server = ChromaServer(tmp_path / "chroma-server").start()
    yield server
    server.stop()
