"""The tutor's HTTP API over the small course, with a scripted chat model: every route, its errors and metrics."""

import json

import pytest
from conftest import ADMIN_KEY, HNSW_ANSWER, HNSW_QUESTION, free_port, ready_once_loaded, wait_until_ready

PAGE = "book/a/vectors.md"


def test_health_answers_at_once_and_ready_once_indexed(make_client):
    client = make_client(wait=False)
    assert client.get("/health").json() == {"status": "ok", "detail": None}
    wait_until_ready(client)
    ready = client.get("/ready").json()
    assert ready["status"] == "ready" and "chunks indexed" in ready["detail"]


def test_search_returns_passages_with_their_page_and_section(client):
    response = client.post("/search", json={"query": "HNSW ef_search candidates", "top_k": 3})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert 1 <= len(results) <= 3
    assert results[0]["source"] == PAGE and results[0]["section"] == "HNSW"
    assert set(results[0]) == {"source", "section", "chunk_id", "score", "text"}
    assert "ef_search" in results[0]["text"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"query": "x", "top_k": 0}, "top_k"),
        ({"query": "x", "top_k": 11}, "top_k"),
        ({"query": "   "}, "query"),
        ({"query": "x" * 2001}, "query"),
        ({"query": "x", "k": 3}, "k"),
        ({}, "query"),
    ],
)
def test_bad_search_requests_get_422_naming_the_field(client, body, field):
    response = client.post("/search", json=body)
    assert response.status_code == 422
    assert field in {str(part) for problem in response.json()["detail"] for part in problem["loc"]}


def test_ask_answers_with_citations_variant_request_id_and_latency(client):
    response = client.post("/ask", json={"question": HNSW_QUESTION, "user_id": "u1", "top_k": 2})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["answer"] == HNSW_ANSWER
    assert [c["source"] for c in body["citations"]] == [PAGE]
    assert "ef_search" in body["citations"][0]["text"]
    assert body["variant"] == "default"
    assert body["request_id"] == response.headers["X-Request-ID"] and len(body["request_id"]) == 32
    assert body["latency_ms"] > 0


def test_a_question_the_course_does_not_cover_is_refused_without_the_model(make_client):
    client = make_client()  # a model with no answer: calling it would fail
    body = client.post("/ask", json={"question": "Who painted the Mona Lisa?"}).json()
    assert body["answer"] == "I don't know." and body["citations"] == []


def server_sent_events(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_ask_streams_tokens_then_the_whole_answer_as_server_sent_events(client):
    with client.stream("POST", "/ask?stream=true", json={"question": HNSW_QUESTION}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = server_sent_events(response.read().decode())
    tokens = [data["text"] for event, data in events if event == "token"]
    assert len(tokens) > 3, "the answer should arrive in pieces"
    assert [event for event, _ in events[-1:]] == ["answer"]
    final = events[-1][1]
    assert "".join(tokens).strip() == final["answer"] == HNSW_ANSWER
    assert final["citations"][0]["source"] == PAGE and final["request_id"]


def test_feedback_is_accepted_for_an_answer_and_counted(client):
    request_id = client.post("/ask", json={"question": HNSW_QUESTION}).json()["request_id"]
    response = client.post("/feedback", json={"request_id": request_id, "rating": "up", "comment": "clear"})
    assert response.status_code == 200, response.text
    assert response.json() == {"request_id": request_id, "rating": "up"}
    assert 'tutor_feedback_total{rating="up"} 1.0' in client.get("/metrics").text


def test_feedback_for_an_unknown_request_is_404_and_a_bad_rating_422(client):
    assert client.post("/feedback", json={"request_id": "nope", "rating": "up"}).status_code == 404
    assert client.post("/feedback", json={"request_id": "nope", "rating": "meh"}).status_code == 422


def test_ingest_needs_the_admin_key(client):
    document = {"documents": [{"source": "notes/a.md", "text": "# A\n\nSome text."}]}
    assert client.post("/ingest", json=document).status_code == 401
    assert client.post("/ingest", json=document, headers={"X-API-Key": ADMIN_KEY[:-1] + "y"}).status_code == 401


def test_ingest_is_refused_when_no_admin_key_is_configured(make_client):
    client = make_client(admin_api_key=None)
    response = client.post("/ingest", json={"documents": []}, headers={"X-API-Key": "anything-at-all-16"})
    assert response.status_code == 403 and "TUTOR_ADMIN_API_KEY" in response.json()["detail"]


def ingest(client, **body):
    response = client.post("/ingest", json=body, headers={"X-API-Key": ADMIN_KEY})
    assert response.status_code == 200, response.text
    return response.json()


def test_ingest_is_idempotent_and_a_changed_page_replaces_its_chunks(client):
    page = {"source": "notes/zorbia.md", "text": "# Zorbia\n\nThe capital of Zorbia is Plink, on the river Quorn."}
    first = ingest(client, documents=[page])
    assert first["added"] == ["notes/zorbia.md"] and first["chunks_written"] == 1
    again = ingest(client, documents=[page])
    assert again["unchanged"] == ["notes/zorbia.md"] and again["chunks_written"] == 0
    changed = {**page, "text": "# Zorbia\n\nThe capital of Zorbia is Flonk, on the river Quorn."}
    replaced = ingest(client, documents=[changed])
    assert replaced["replaced"] == ["notes/zorbia.md"] and replaced["chunks_deleted"] == 1
    texts = [r["text"] for r in client.post("/search", json={"query": "capital of Zorbia"}).json()["results"]]
    assert any("Flonk" in text for text in texts) and not any("Plink" in text for text in texts)


def test_ingest_reads_paths_inside_the_course_and_refuses_others(client):
    assert ingest(client, paths=["book/a"])["unchanged"] == [PAGE]
    for path, message in [("../outside.md", "outside"), ("book/missing.md", "no such file"), ("_toc.yml", ".yml")]:
        response = client.post("/ingest", json={"paths": [path]}, headers={"X-API-Key": ADMIN_KEY})
        assert response.status_code == 422 and message in response.json()["detail"], response.text


def test_nothing_to_ingest_is_422(client):
    response = client.post("/ingest", json={}, headers={"X-API-Key": ADMIN_KEY})
    assert response.status_code == 422 and "nothing to ingest" in response.json()["detail"]


def test_metrics_count_requests_by_route_and_status_and_show_the_index(client):
    client.post("/search", json={"query": "HNSW"})
    client.post("/search", json={"query": ""})
    client.post("/ask", json={"question": HNSW_QUESTION})
    text = client.get("/metrics").text
    assert 'tutor_requests_total{method="POST",route="/search",status="200"} 1.0' in text
    assert 'tutor_requests_total{method="POST",route="/search",status="422"} 1.0' in text
    assert 'tutor_stage_duration_seconds_count{stage="generate"} 1.0' in text
    assert "tutor_ready 1.0" in text
    chunks = next(line for line in text.splitlines() if line.startswith("tutor_chunks_indexed "))
    assert float(chunks.split()[1]) > 0


def test_docs_are_served_without_a_cdn(client):
    docs = client.get("/docs").text
    assert "swagger" in docs.lower() and "cdn.jsdelivr" not in docs and "unpkg" not in docs
    assert {"/ask", "/search", "/feedback", "/ingest", "/ready"} <= set(client.get("/openapi.json").json()["paths"])


def test_an_unreachable_chroma_server_shows_on_ready_and_requests_get_503(make_client):
    client = make_client(wait=False, store="server", chroma_port=free_port())
    ready = ready_once_loaded(client)
    assert ready.status_code == 503 and "Chroma server" in ready.json()["detail"]
    response = client.post("/search", json={"query": "HNSW"})
    assert response.status_code == 503 and response.headers["Retry-After"]
