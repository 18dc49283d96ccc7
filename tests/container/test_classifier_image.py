"""The classifier image for real: build it with podman (the scripts in deploy/containers/), run it, call it.

Needs podman (and debootstrap for the base image): `make system-packages` installs them. Without podman
these tests fail; they are never skipped. Run with `-s` to see the build times and the image size.
"""

import json
import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTAINERS = ROOT / "deploy" / "containers"
BASE_IMAGE = "localhost/pybase:bookworm"
TAG = "test"
IMAGE = f"localhost/sentiment-classifier:{TAG}"
READY_WITHIN_SECONDS = 90
MAX_IMAGE_BYTES = 1_500_000_000  # the CUDA build of torch alone would be several GB
HEALTHCHECK = ["CMD", "python", "-m", "sentiment.healthcheck"]


def podman_env() -> dict[str, str]:
    return {**os.environ, "CONTAINERS_CONF": os.environ.get("CONTAINERS_CONF", str(CONTAINERS / "containers.conf"))}


def podman(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout, env=podman_env())
    if check and result.returncode != 0:
        pytest.fail(f"podman {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def run_script(name: str, *args: str, timeout: float) -> float:
    """Run a build script; its duration in seconds, or a failure showing the end of its output."""
    started = time.perf_counter()
    result = subprocess.run(
        [str(CONTAINERS / name), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=podman_env(),
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        pytest.fail(f"{name} exited {result.returncode}:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_podman_is_installed():
    assert shutil.which("podman"), "podman is not installed: run `make system-packages` (as root)"


@pytest.fixture(scope="module")
def image() -> dict:
    """Build the base image (when absent) and the classifier image; the image's `podman image inspect` record."""
    if shutil.which("podman") is None:
        pytest.fail("podman is not installed: run `make system-packages` (as root) to install podman and debootstrap")
    if podman("image", "exists", BASE_IMAGE, check=False).returncode != 0:
        seconds = run_script("build-base-image.sh", timeout=900)
        print(f"\nbase image {BASE_IMAGE} built in {seconds:.0f} s")
    seconds = run_script("build-classifier-image.sh", TAG, timeout=900)
    record = json.loads(podman("image", "inspect", IMAGE).stdout)[0]
    print(f"\nimage {IMAGE} built in {seconds:.0f} s; size {record['Size'] / 1e6:.0f} MB")
    return record


@pytest.fixture(scope="module")
def container(image, request) -> dict:
    """The image running detached, published on 127.0.0.1 only, once /ready answers 200; always removed after."""
    name = f"sentiment-test-{uuid.uuid4().hex[:8]}"
    port = free_port()
    request.addfinalizer(lambda: podman("rm", "--force", "--ignore", "--time", "0", name, check=False))
    podman("run", "--detach", "--name", name, "--publish", f"127.0.0.1:{port}:8001", IMAGE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + READY_WITHIN_SECONDS
    with httpx.Client(base_url=url, timeout=2) as client:
        while True:
            try:
                if client.get("/ready").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            state = podman("inspect", "--format", "{{.State.Status}}", name, check=False).stdout.strip()
            if state != "running" or time.monotonic() > deadline:
                logs = podman("logs", name, check=False)
                pytest.fail(f"{name} not ready ({state}) after {READY_WITHIN_SECONDS} s:\n{logs.stdout}{logs.stderr}")
            time.sleep(0.5)
    return {"name": name, "url": url}


@pytest.fixture
def client(container):
    with httpx.Client(base_url=container["url"], timeout=10) as client:
        yield client


def test_image_is_small_and_has_the_cpu_torch(image, container):
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


def test_runs_as_a_numeric_non_root_user(container):
    uid = podman("exec", container["name"], "id", "-u").stdout.strip()
    assert uid.isdigit() and uid != "0"
    status = podman("exec", container["name"], "cat", "/proc/1/status").stdout
    real, effective, *_ = next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1:]
    assert real == effective == uid, "the server (PID 1) runs as the image's user"
    assert podman("inspect", "--format", "{{.Config.User}}", container["name"]).stdout.strip() == "10001:10001"


def test_code_is_read_only_and_no_build_leftovers(container):
    name = container["name"]
    assert podman("exec", name, "touch", "/app/sentiment/artifact/x", check=False).returncode != 0
    checks = "command -v gcc cc make; ls -d /root/.cache /tmp/requirements.txt /run/secrets 2>/dev/null; true"
    leftovers = podman("exec", "--user", "0", name, "sh", "-c", checks).stdout.strip()
    assert not leftovers, f"compilers, caches or build files in the image: {leftovers}"


def test_podman_healthcheck_run_succeeds(container):
    result = podman("healthcheck", "run", container["name"], check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_inspect_shows_healthcheck_and_non_root_user(image, container):
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
