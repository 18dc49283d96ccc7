"""The classifier image for real: build it with podman (the scripts in deploy/containers/), run it, call it.

Needs podman (and debootstrap for the base image): `make system-packages` installs them. Without podman
these tests fail; they are never skipped. Run with `-s` to see the build times and the image size.
"""

import json
import shutil

import httpx
import pytest

TAG = "test"
IMAGE = f"localhost/sentiment-classifier:{TAG}"
READY_WITHIN_SECONDS = 90
MAX_IMAGE_BYTES = 1_500_000_000  # the CUDA build of torch alone would be several GB
HEALTHCHECK = ["CMD", "python", "-m", "sentiment.healthcheck"]


def test_podman_is_installed():
    assert shutil.which("podman"), "podman is not installed: run `make system-packages` (as root)"


@pytest.fixture(scope="module")
def image(base_image, podman, run_script) -> dict:
    """The classifier image built on the base image; its `podman image inspect` record."""
    seconds = run_script("build-classifier-image.sh", TAG, timeout=900)
    record = json.loads(podman("image", "inspect", IMAGE).stdout)[0]
    print(f"\nimage {IMAGE} built in {seconds:.0f} s; size {record['Size'] / 1e6:.0f} MB")
    return record


@pytest.fixture(scope="module")
def container(image, start_container, stop_container) -> dict:
    """The image running detached, published on 127.0.0.1 only, once /ready answers 200; always removed after."""
    container = start_container(IMAGE, 8001, READY_WITHIN_SECONDS)
    yield container
    stop_container(container["name"])


@pytest.fixture
def client(container):
    with httpx.Client(base_url=container["url"], timeout=10) as client:
        yield client


def test_image_is_small_and_has_the_cpu_torch(image, container, podman):
    assert image["Size"] < MAX_IMAGE_BYTES, f"{image['Size'] / 1e6:.0f} MB"
    listing = podman("exec", container["name"], "python", "-m", "pip", "list", "--format", "json").stdout
    versions = {package["name"].lower(): package["version"] for package in json.loads(listing)}
    assert versions["torch"].endswith("+cpu")
    assert not [name for name in versions if name.startswith("nvidia")]
    assert not {"pandas", "scikit-learn"} & versions.keys()


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_predicts_two_texts_in_order(client):
    response = client.post("/predict", json={"texts": ["Absolutely loved it, wonderful.", "It broke after two days."]})
    assert response.status_code == 200, response.text
    body = response.json()
    predictions = body["predictions"]
    assert len(predictions) == 2
    assert [p["label"] for p in predictions] == ["positive", "negative"]
    assert all(0.5 <= p["score"] <= 1.0 for p in predictions)
    assert body["model_version"] == client.get("/metadata").json()["model_version"]


def test_runs_as_a_numeric_non_root_user(container, podman):
    uid = podman("exec", container["name"], "id", "-u").stdout.strip()
    assert uid.isdigit() and uid != "0"
    status = podman("exec", container["name"], "cat", "/proc/1/status").stdout
    real, effective, *_ = next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1:]
    assert real == effective == uid, "the server (PID 1) runs as the image's user"
    assert podman("inspect", "--format", "{{.Config.User}}", container["name"]).stdout.strip() == "10001:10001"


def test_code_is_read_only_and_no_build_leftovers(container, podman):
    name = container["name"]
    assert podman("exec", name, "touch", "/app/sentiment/artifact/x", check=False).returncode != 0
    checks = "command -v gcc cc make; ls -d /root/.cache /tmp/requirements.txt /run/secrets 2>/dev/null; true"
    leftovers = podman("exec", "--user", "0", name, "sh", "-c", checks).stdout.strip()
    assert not leftovers, f"compilers, caches or build files in the image: {leftovers}"


def test_podman_healthcheck_run_succeeds(container, podman):
    result = podman("healthcheck", "run", container["name"], check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_inspect_shows_healthcheck_and_non_root_user(image, container, podman):
    config = image["Config"]
    healthcheck = image.get("Healthcheck") or config.get("Healthcheck")  # top level in podman 4.x's image inspect
    assert healthcheck, "no HEALTHCHECK in the image: was it built with --format docker?"
    assert healthcheck["Test"] == HEALTHCHECK
    assert image["ManifestType"] == "application/vnd.docker.distribution.manifest.v2+json"
    assert config["User"] == "10001:10001"
    assert "8001/tcp" in config["ExposedPorts"]
    assert "SENTIMENT_HOST=0.0.0.0" in config["Env"]
    running = json.loads(podman("inspect", container["name"]).stdout)[0]["Config"]
    assert running["Healthcheck"]["Test"] == HEALTHCHECK
    assert running["User"] == "10001:10001"
