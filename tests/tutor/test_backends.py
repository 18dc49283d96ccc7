"""The configurable backends for real: an OpenAI-compatible endpoint (a fake one on loopback), a Chroma server
started with ``chroma run``, and the clear error when llama.cpp is chosen but not installed."""

import sys

import pytest
from conftest import (
    ADMIN_KEY,
    HNSW_ANSWER,
    HNSW_QUESTION,
    free_port,
    ready_once_loaded,
    settings_for,
    wait_until_ready,
)
from fake_llm import FakeLLMServer
from fastapi.testclient import TestClient

from tutor.app import create_app
from tutor.backends import BackendError, chat_model, open_store
from tutor.ingest import index_course

API_KEY = "sk-test-key-for-the-fake-server"


@pytest.fixture
def fake_llm():
    server = FakeLLMServer(HNSW_ANSWER, free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def openai_client(fake_llm, rag_course, tmp_path):
    settings = settings_for(
        rag_course,
        tmp_path / "data",
        generator="openai",
        llm_base_url=fake_llm.base_url,
        llm_model="tiny-test-model",
        llm_api_key=API_KEY,
    )
    with TestClient(create_app(settings)) as client:
        wait_until_ready(client)
        yield client


def test_an_openai_compatible_endpoint_answers_through_the_tutor(openai_client, fake_llm):
    body = openai_client.post("/ask", json={"question": HNSW_QUESTION, "top_k": 2}).json()
    assert body["answer"] == HNSW_ANSWER and body["citations"][0]["source"] == "book/a/vectors.md"
    [sent] = fake_llm.requests
    assert sent["body"]["model"] == "tiny-test-model" and sent["body"]["temperature"] == 0
    assert sent["authorization"] == f"Bearer {API_KEY}"
    prompt = "\n".join(message["content"] for message in sent["body"]["messages"])
    assert HNSW_QUESTION in prompt and "ef_search" in prompt, "the passages and the question go to the model"


def test_an_openai_compatible_endpoint_streams_through_the_tutor(openai_client, fake_llm):
    with openai_client.stream("POST", "/ask?stream=true", json={"question": HNSW_QUESTION}) as response:
        text = response.read().decode()
    assert text.count("event: token") >= 5 and "event: answer" in text
    assert fake_llm.requests[0]["body"]["stream"] is True


def test_an_unreachable_endpoint_is_a_clear_error(rag_course, tmp_path):
    url = f"http://127.0.0.1:{free_port()}/v1"
    settings = settings_for(rag_course, tmp_path / "data", generator="openai", llm_base_url=url, llm_timeout_s=2)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        wait_until_ready(client)
        response = client.post("/ask", json={"question": HNSW_QUESTION})
    assert response.status_code == 502 and "language model" in response.json()["detail"]


def test_a_chroma_server_holds_the_index_and_the_tutor_follows_its_state(chroma_server, make_client):
    client = make_client(HNSW_ANSWER, store="server", chroma_host=chroma_server.host, chroma_port=chroma_server.port)
    results = client.post("/search", json={"query": "HNSW ef_search"}).json()["results"]
    assert results[0]["source"] == "book/a/vectors.md"
    chroma_server.stop()
    ready = client.get("/ready")
    assert ready.status_code == 503 and "does not answer" in ready.json()["detail"]
    assert client.post("/search", json={"query": "HNSW"}).status_code == 503
    chroma_server.start()  # same port and folder: the index is still there
    assert client.get("/ready").status_code == 200
    assert client.post("/search", json={"query": "HNSW ef_search"}).json()["results"] == results


def test_indexing_into_a_chroma_server_twice_writes_nothing_the_second_time(chroma_server, rag_course, tmp_path):
    settings = settings_for(
        rag_course, tmp_path, store="server", chroma_host=chroma_server.host, chroma_port=chroma_server.port
    )
    first = index_course(open_store(settings), rag_course)
    again = index_course(open_store(settings), rag_course)
    assert first.added and first.chunks_written > 0
    assert again.added == again.replaced == [] and again.chunks_written == 0 and again.unchanged == first.added


def test_llama_cpp_without_its_package_names_the_install(monkeypatch, rag_course, tmp_path):
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # as if llama-cpp-python were not installed
    with pytest.raises(BackendError, match="requirements-llamacpp.txt"):
        chat_model(settings_for(rag_course, tmp_path, generator="llamacpp"))


def test_replicas_sharing_a_chroma_server_see_each_others_ingests(chroma_server, make_client):
    shared = {"store": "server", "chroma_host": chroma_server.host, "chroma_port": chroma_server.port}
    first = make_client(**shared)
    second = make_client(wait=False, index_on_start=False, retriever="lexical", **shared)
    wait_until_ready(second)
    page = {"source": "notes/zorbia.md", "text": "# Zorbia\n\nThe capital of Zorbia is Plink, on the river Quorn."}
    assert first.post("/ingest", json={"documents": [page]}, headers={"X-API-Key": ADMIN_KEY}).status_code == 200
    results = second.post("/search", json={"query": "Zorbia capital Plink"}).json()["results"]
    assert results and results[0]["source"] == "notes/zorbia.md", "the keyword index follows the shared store"


def test_an_empty_store_is_not_ready_until_something_is_ingested(chroma_server, make_client):
    client = make_client(
        wait=False, index_on_start=False, store="server", chroma_host=chroma_server.host, chroma_port=chroma_server.port
    )
    ready = ready_once_loaded(client)
    assert ready.status_code == 503 and "index is empty" in ready.json()["detail"]
    assert client.post("/search", json={"query": "HNSW"}).status_code == 503
    page = {"source": "notes/zorbia.md", "text": "# Zorbia\n\nThe capital of Zorbia is Plink."}
    assert client.post("/ingest", json={"documents": [page]}, headers={"X-API-Key": ADMIN_KEY}).status_code == 200
    assert client.get("/ready").status_code == 200
