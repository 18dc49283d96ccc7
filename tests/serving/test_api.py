"""The HTTP contract of the classifier service, through FastAPI's TestClient."""

import json
import logging

import pytest
from fastapi.testclient import TestClient

from sentiment.artifact import load_artifact
from sentiment.serve import MAX_TEXT_CHARS, MAX_TEXTS, create_app, field_name
from sentiment.settings import Settings

TEXTS = ["An absolute delight, I loved every minute.", "Broken on arrival and support never answered.", "ok"]


@pytest.fixture(scope="module")
def reference():
    return load_artifact()


def test_predict_returns_one_prediction_per_text_in_input_order(client, reference):
    response = client.post("/predict", json={"texts": TEXTS})
    assert response.status_code == 200, response.text
    body = response.json()
    expected = reference.predict(TEXTS)
    assert [p["label"] for p in body["predictions"]] == [p.label for p in expected]
    assert [p["score"] for p in body["predictions"]] == pytest.approx([p.score for p in expected], abs=1e-6)
    assert body["model_version"] == reference.model_version


def test_predict_order_holds_for_a_reversed_batch(client):
    forward = client.post("/predict", json={"texts": TEXTS}).json()["predictions"]
    backward = client.post("/predict", json={"texts": TEXTS[::-1]}).json()["predictions"]
    assert backward == forward[::-1]


def test_scores_are_probabilities_of_the_returned_label(client):
    predictions = client.post("/predict", json={"texts": TEXTS}).json()["predictions"]
    for prediction in predictions:
        assert prediction["label"] in {"positive", "negative"}
        assert 0.5 <= prediction["score"] <= 1.0, prediction


def test_the_largest_valid_request_is_accepted(client):
    texts = ["é" * MAX_TEXT_CHARS] + [f"text number {i}" for i in range(MAX_TEXTS - 1)]
    response = client.post("/predict", json={"texts": texts})
    assert response.status_code == 200, response.text[:500]
    assert len(response.json()["predictions"]) == MAX_TEXTS


INVALID_BODIES = {
    "empty list": ({"texts": []}, "texts", "at least 1 item"),
    "too many texts": ({"texts": ["fine"] * (MAX_TEXTS + 1)}, "texts", f"at most {MAX_TEXTS} items"),
    "empty text": ({"texts": ["fine", ""]}, "texts[1]", "at least 1 character"),
    "blank text": ({"texts": [" \n\t"]}, "texts[0]", "whitespace"),
    "oversized text": ({"texts": ["fine", "x" * (MAX_TEXT_CHARS + 1)]}, "texts[1]", f"at most {MAX_TEXT_CHARS}"),
    "number instead of text": ({"texts": ["fine", 3]}, "texts[1]", "valid string"),
    "null text": ({"texts": [None]}, "texts[0]", "valid string"),
    "string instead of list": ({"texts": "fine"}, "texts", "valid list"),
    "missing field": ({"text": ["fine"]}, "texts", "field required"),
    "list instead of object": (["fine"], "body", "valid dictionary"),
}


@pytest.mark.parametrize("case", INVALID_BODIES, ids=list(INVALID_BODIES))
def test_invalid_requests_get_422_naming_the_field_and_the_limit(client, case):
    body, field, words = INVALID_BODIES[case]
    response = client.post("/predict", json=body)
    assert response.status_code == 422, response.text[:300]
    problems = response.json()["detail"]
    matching = [p for p in problems if p["field"] == field]
    assert matching, f"no problem names the field {field!r}: {problems}"
    assert words in matching[0]["message"], matching[0]
    assert matching[0]["message"].startswith(f"{field}: ")


def test_validation_errors_do_not_echo_the_input(client):
    secret = "my private review " * 300
    response = client.post("/predict", json={"texts": [secret]})
    assert response.status_code == 422
    assert "private review" not in response.text


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(b'{"texts": ["unterminated', "application/json"), (b"\xff\xfe not utf-8", "application/json")],
    ids=["truncated", "not-utf8"],
)
def test_malformed_json_gets_422_naming_the_body(client, content, content_type):
    response = client.post("/predict", content=content, headers={"content-type": content_type})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == "body"


def test_a_plain_text_body_is_refused_with_422(client):
    response = client.post("/predict", content=b"I loved it", headers={"content-type": "text/plain"})
    assert response.status_code == 422, response.text


def test_an_unknown_field_is_refused(client):
    response = client.post("/predict", json={"texts": ["fine"], "threshold": 0.9})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "threshold"


def test_a_body_over_the_size_limit_gets_413_before_it_is_read():
    with TestClient(create_app(Settings(max_body_bytes=1024))) as small:
        response = small.post("/predict", json={"texts": ["x" * 2000]})
    assert response.status_code == 413
    assert "1024 bytes" in response.json()["detail"]


def test_health_ready_and_metadata(client, reference):
    assert client.get("/health").json() == {"status": "ok", "detail": None}
    assert client.get("/ready").json()["status"] == "ready"
    metadata = client.get("/metadata").json()
    assert metadata["model_version"] == reference.model_version
    assert metadata["data_version"] == reference.metadata["data_version"] == "reviews-v1"
    assert metadata["test_metrics"]["accuracy"] == pytest.approx(reference.metadata["test_metrics"]["accuracy"])
    assert metadata["limits"]["max_texts"] == MAX_TEXTS


def test_docs_are_served_without_a_cdn(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    script = next(part.split('"')[1] for part in page.text.split("src=")[1:] if "swagger-ui-bundle" in part)
    assert script.startswith("/"), f"the Swagger UI script is not served locally: {script}"
    assert client.get(script).status_code == 200


def test_openapi_schema_states_the_limits(client):
    schema = client.get("/openapi.json").json()
    texts = schema["components"]["schemas"]["PredictRequest"]["properties"]["texts"]
    assert (texts["minItems"], texts["maxItems"]) == (1, MAX_TEXTS)
    assert texts["items"]["maxLength"] == MAX_TEXT_CHARS


def test_a_request_id_is_returned_and_logged_with_the_latency(client, caplog):
    with caplog.at_level(logging.INFO, logger="sentiment.serve"):
        given = client.post("/predict", json={"texts": TEXTS}, headers={"X-Request-ID": "abc-123"})
        fresh = client.post("/predict", json={"texts": TEXTS})
    assert given.headers["X-Request-ID"] == "abc-123"
    assert len(fresh.headers["X-Request-ID"]) == 32
    records = [r for r in caplog.records if r.getMessage() == "request"]
    logged = {r.request_id: r for r in records}
    assert {"abc-123", fresh.headers["X-Request-ID"]} <= set(logged)
    line = logged["abc-123"]
    assert (line.path, line.status, line.n_texts) == ("/predict", 200, len(TEXTS))
    assert line.latency_ms > 0


def test_an_unsafe_request_id_is_replaced(client):
    response = client.get("/health", headers={"X-Request-ID": "x" * 500})
    assert response.headers["X-Request-ID"] != "x" * 500


def test_a_broken_artifact_leaves_the_service_alive_but_not_ready(tmp_path, wait_until):
    with TestClient(create_app(Settings(artifact_dir=tmp_path))) as broken:
        wait_until(lambda: broken.get("/ready").json()["status"] == "failed", 30, "the model load to fail")
        ready = broken.get("/ready")
        predict = broken.post("/predict", json={"texts": ["fine"]})
        health = broken.get("/health")
    assert ready.status_code == 503
    assert "weights.pt" in ready.json()["detail"], "the failure should name the missing file"
    assert predict.status_code == 503
    assert predict.headers["Retry-After"] == "1"
    assert health.status_code == 200


@pytest.mark.parametrize(
    ("location", "name"),
    [
        (("body", "texts"), "texts"),
        (("body", "texts", 3), "texts[3]"),
        (("body",), "body"),
        (("body", "a", "b"), "a.b"),
    ],
)
def test_field_names_read_like_the_json_they_point_into(location, name):
    assert field_name(location) == name


def test_json_log_lines_carry_the_request_fields():
    from sentiment.logs import json_formatter

    record = logging.LogRecord("sentiment.serve", logging.INFO, __file__, 1, "request", None, None)
    record.request_id, record.latency_ms = "abc", 1.25
    line = json.loads(json_formatter().format(record))
    assert (line["message"], line["request_id"], line["latency_ms"], line["level"]) == ("request", "abc", 1.25, "INFO")
    assert line["time"].endswith("+00:00")


def test_any_load_failure_shows_on_ready_with_its_type(monkeypatch, wait_until):
    def unreadable(folder):
        raise PermissionError(f"[Errno 13] Permission denied: '{folder}/weights.pt'")

    monkeypatch.setattr("sentiment.serve.load_artifact", unreadable)
    with TestClient(create_app(Settings())) as broken:
        wait_until(lambda: broken.get("/ready").json()["status"] != "loading", 30, "the model load to end")
        ready = broken.get("/ready")
    assert ready.status_code == 503
    assert ready.json()["detail"].startswith("PermissionError: ")
