"""Podman helpers and the images the tests of this folder share, each built once per test run even across xdist workers.

The helpers reach tests as session fixtures (``podman``, ``run_script``, ``free_port``, ``start_container``,
``stop_container``: each returns the function).
The scripts in deploy/containers/ build the images; a build's record (exit status, seconds, end of its output) is
written once under a file lock in the run's shared temporary folder, and every worker reads it from there.
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
from filelock import FileLock

ROOT = Path(__file__).resolve().parents[2]
CONTAINERS = ROOT / "deploy" / "containers"
BASE_IMAGE = "localhost/pybase:bookworm"
TUTOR_IMAGE = "localhost/rag-tutor:test"
BUILD_TIMEOUT_SECONDS = 1800


def podman_env() -> dict[str, str]:
    return {**os.environ, "CONTAINERS_CONF": os.environ.get("CONTAINERS_CONF", str(CONTAINERS / "containers.conf"))}


def run_podman(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout, env=podman_env())
    if check and result.returncode != 0:
        pytest.fail(f"podman {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def build_record(name: str, *args: str, timeout: float) -> dict:
    """Run a build script of deploy/containers/: its exit status, duration in seconds and the end of its output."""
    started = time.perf_counter()
    result = subprocess.run(
        [str(CONTAINERS / name), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=podman_env(),
        stdin=subprocess.DEVNULL,
    )
    return {
        "script": name,
        "returncode": result.returncode,
        "seconds": time.perf_counter() - started,
        "log": f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}",
    }


def checked(record: dict) -> float:
    """The duration of a build that succeeded; a failure showing the end of its output otherwise."""
    if record["returncode"] != 0:
        pytest.fail(f"{record['script']} exited {record['returncode']}:\n{record['log']}")
    return record["seconds"]


def run_build_script(name: str, *args: str, timeout: float) -> float:
    """Run a build script; its duration in seconds, or a failure showing the end of its output."""
    return checked(build_record(name, *args, timeout=timeout))


def unused_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def remove_container(name: str) -> None:
    """Remove a container and its anonymous volumes, whatever its state."""
    run_podman("rm", "--force", "--ignore", "--volumes", "--time", "0", name, check=False)


def started_container(image: str, port: int, ready_within: float, *run_args: str) -> dict:
    """``image`` running detached, its ``port`` published on 127.0.0.1 only, once GET /ready answers 200.

    Returns its name, URL and seconds to ready; the caller removes it (``remove_container``). A container that
    stops or is not ready in ``ready_within`` seconds is removed and the test fails with its logs.
    """
    name = f"{image.rsplit('/', 1)[-1].split(':')[0]}-test-{uuid.uuid4().hex[:8]}"
    url = f"http://127.0.0.1:{unused_port()}"
    started = time.monotonic()
    run_podman(
        "run", "--detach", "--name", name, "--publish", f"{url.removeprefix('http://')}:{port}", *run_args, image
    )
    with httpx.Client(base_url=url, timeout=2) as client:
        while True:
            try:
                if client.get("/ready").status_code == 200:
                    return {"name": name, "url": url, "ready_seconds": time.monotonic() - started}
            except httpx.TransportError:
                pass
            state = run_podman("inspect", "--format", "{{.State.Status}}", name, check=False).stdout.strip()
            if state != "running" or time.monotonic() - started > ready_within:
                logs = run_podman("logs", name, check=False)
                remove_container(name)
                pytest.fail(f"{name} not ready ({state}) after {ready_within} s:\n{logs.stdout}{logs.stderr}")
            time.sleep(0.5)


def once_per_run(shared: Path, key: str, build) -> dict:
    """``build()``'s record, computed by the first worker that asks and read from ``shared`` by the others."""
    record = shared / f"{key}.json"
    with FileLock(f"{record}.lock"):
        if not record.is_file():
            record.write_text(json.dumps(build()))
    return json.loads(record.read_text())


@pytest.fixture(scope="session")
def podman():
    """``podman(*args, timeout=120, check=True)``: run podman with the course's containers.conf; fails on an error."""
    return run_podman


@pytest.fixture(scope="session")
def run_script():
    """``run_script(name, *args, timeout)``: run a build script of deploy/containers/; its duration in seconds."""
    return run_build_script


@pytest.fixture(scope="session")
def free_port():
    """``free_port()``: a TCP port on 127.0.0.1 that is free now."""
    return unused_port


@pytest.fixture(scope="session")
def start_container():
    """``start_container(image, port, ready_within, *run_args)``: see ``started_container``; remove it after use."""
    return started_container


@pytest.fixture(scope="session")
def stop_container():
    """``stop_container(name)``: remove a container and its anonymous volumes."""
    return remove_container


@pytest.fixture(scope="session")
def shared_tmp(tmp_path_factory, worker_id) -> Path:
    """A folder that every xdist worker of this test run sees (the run's own temporary folder without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base if worker_id == "master" else base.parent


def build_base_image() -> dict:
    if run_podman("image", "exists", BASE_IMAGE, check=False).returncode == 0:
        return {"script": "build-base-image.sh", "returncode": 0, "seconds": 0.0, "log": f"{BASE_IMAGE} exists"}
    return build_record("build-base-image.sh", timeout=900)


@pytest.fixture(scope="session")
def base_image(shared_tmp) -> str:
    """The base image of the service images, built when absent (by one worker only)."""
    if shutil.which("podman") is None:
        pytest.fail("podman is not installed: run `make system-packages` (as root) to install podman and debootstrap")
    seconds = checked(once_per_run(shared_tmp, "base-image", build_base_image))
    print(f"\nbase image {BASE_IMAGE} ready ({seconds:.0f} s of build in this run)")
    return BASE_IMAGE


@pytest.fixture(scope="session")
def tutor_image(base_image, shared_tmp) -> str:
    """The tutor's image localhost/rag-tutor:test, built once per test run; its name."""
    tag = TUTOR_IMAGE.rsplit(":", 1)[1]
    seconds = checked(
        once_per_run(
            shared_tmp, "tutor-image", lambda: build_record("build-tutor-image.sh", tag, timeout=BUILD_TIMEOUT_SECONDS)
        )
    )
    size = int(run_podman("image", "inspect", "--format", "{{.Size}}", TUTOR_IMAGE).stdout)
    print(f"\nimage {TUTOR_IMAGE} built in {seconds:.0f} s; size {size / 1e6:.0f} MB")
    return TUTOR_IMAGE
