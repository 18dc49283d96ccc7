"""Offline checks of the tutor's Kubernetes manifests: the API schema (strict), then what the service contract needs."""

import functools
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from tutor.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "tutor" / "k8s"
KUSTOMIZATION = K8S / "kustomization.yaml"
# The Kubernetes release whose API schema the manifests are validated against (kubernetes-validate ships 1.25 to
# 1.37); the API pods' preStop `sleep` action needs 1.30 or later.
KUBERNETES_VERSION = "1.34.0"
# The service contract: ports, probe paths, the image's numeric user, the image name.
API_PORT = 8000
CHROMA_PORT = 8000
READY_PATH, HEALTH_PATH, METRICS_PATH = "/ready", "/health", "/metrics"
IMAGE_USER = 10001
IMAGE_NAME = "localhost/rag-tutor"
CHROMA_HEARTBEAT = "/api/v2/heartbeat"
WORKLOADS = ("Deployment", "StatefulSet", "Job")
LONG_RUNNING = ("Deployment", "StatefulSet")
PROBES = ("startupProbe", "readinessProbe", "livenessProbe")
PART_OF = "tutor"
LABELS = ("app.kubernetes.io/name", "app.kubernetes.io/part-of", "app.kubernetes.io/component")
SUFFIXES = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 1e3, "M": 1e6, "G": 1e9}


def kustomization() -> dict:
    return yaml.safe_load(KUSTOMIZATION.read_text())


def listed_files() -> list[str]:
    return kustomization()["resources"]


@functools.cache
def resources() -> dict[tuple[str, str], dict]:
    """Every resource of the files the kustomization lists, by ``(kind, name)``."""
    found = {}
    for name in listed_files():
        for document in yaml.safe_load_all((K8S / name).read_text()):
            key = (document["kind"], document["metadata"]["name"])
            assert key not in found, f"{name}: {key} is defined twice"
            found[key] = document
    return found


def resource(kind: str, name: str) -> dict:
    assert (kind, name) in resources(), f"no {kind} {name} in {sorted(resources())}"
    return resources()[(kind, name)]


def of_kinds(kinds: tuple[str, ...]) -> list[tuple[str, str]]:
    return sorted(key for key in resources() if key[0] in kinds)


def pod_template(kind: str, name: str) -> dict:
    return resource(kind, name)["spec"]["template"]


def containers(kind: str, name: str) -> list[dict]:
    spec = pod_template(kind, name)["spec"]
    return spec["containers"] + spec.get("initContainers", [])


def api_container() -> dict:
    (container,) = containers("Deployment", "tutor-api")
    return container


def config() -> dict[str, str]:
    return resource("ConfigMap", "tutor-config")["data"]


def secret_keys() -> set[str]:
    secret = resource("Secret", "tutor-secrets")
    return set(secret.get("stringData", {})) | set(secret.get("data", {}))


def quantity(text: str | int) -> float:
    """A Kubernetes quantity ("250m", "1", "1536Mi", "2Gi") as a number."""
    text = str(text)
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * SUFFIXES[suffix]
    return float(text)


def port_number(container: dict, port: str | int) -> int:
    """A probe's or Service's port: a number, or the name of one of the container's ports."""
    if isinstance(port, int):
        return port
    named = {entry.get("name"): entry["containerPort"] for entry in container.get("ports", [])}
    assert port in named, f"container {container['name']} has no port named {port!r}: {named}"
    return named[port]


def validation_problems(paths: list[Path]) -> list[str]:
    """What `kubernetes-validate --strict` finds wrong in ``paths``; an unknown kind (a mere warning there) too."""
    result = subprocess.run(
        [sys.executable, "-m", "kubernetes_validate", "--strict", "-k", KUBERNETES_VERSION, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = (result.stdout + result.stderr).splitlines()
    problems = [line for line in lines if not line.startswith("INFO ")]
    documents = sum(1 for path in paths for document in yaml.safe_load_all(path.read_text()) if document)
    passed = sum(1 for line in lines if line.startswith("INFO ") and " passed for resource " in line)
    if result.returncode != 0 or passed != documents:
        problems.append(f"exit status {result.returncode}, {passed} of {documents} resources passed")
    return problems


def test_kustomization_lists_every_manifest_and_no_missing_file():
    listed = listed_files()
    on_disk = sorted(path.name for path in K8S.glob("*.y*ml") if path != KUSTOMIZATION)
    assert len(listed) == len(set(listed)), f"the kustomization lists a file twice: {listed}"
    assert sorted(listed) == on_disk, f"kustomization lists {sorted(listed)}, the folder holds {on_disk}"


def test_kubernetes_validate_strict_accepts_every_manifest():
    problems = validation_problems([K8S / name for name in listed_files()])
    assert not problems, "kubernetes-validate --strict:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("fault", "original", "broken"),
    [
        ("a misspelled key", "readinessProbe:", "readinesProbe:"),
        ("an unknown kind", "kind: Deployment", "kind: Deploymnt"),
    ],
)
def test_validation_fails_on_a_broken_manifest(tmp_path, fault, original, broken):
    text = (K8S / "api-deployment.yaml").read_text()
    assert original in text, f"api-deployment.yaml has no {original!r} to break"
    path = tmp_path / "api-deployment.yaml"
    path.write_text(text.replace(original, broken, 1))
    assert validation_problems([path]), f"validation passed a Deployment with {fault}"


@pytest.mark.parametrize(("kind", "name"), of_kinds(LONG_RUNNING))
def test_every_long_running_container_has_its_three_probes(kind, name):
    for container in containers(kind, name):
        missing = [probe for probe in PROBES if probe not in container]
        assert not missing, f"{kind} {name}, container {container['name']}: no {missing}"


@pytest.mark.parametrize(("kind", "name"), of_kinds(WORKLOADS))
def test_every_container_requests_at_most_its_limits(kind, name):
    for container in containers(kind, name):
        where = f"{kind} {name}, container {container['name']}"
        requests = container.get("resources", {}).get("requests", {})
        limits = container.get("resources", {}).get("limits", {})
        for resource_name in ("cpu", "memory"):
            assert resource_name in requests and resource_name in limits, f"{where}: {resource_name} not bounded"
            request, limit = quantity(requests[resource_name]), quantity(limits[resource_name])
            assert 0 < request <= limit, f"{where}: {resource_name} request {request} above limit {limit}"


def test_api_probes_ask_the_contract_paths_on_the_service_port():
    container = api_container()
    expected = {"startupProbe": HEALTH_PATH, "readinessProbe": READY_PATH, "livenessProbe": HEALTH_PATH}
    for probe, path in expected.items():
        action = container[probe]["httpGet"]
        assert action["path"] == path, f"the API's {probe} asks {action['path']}, not {path}"
        assert port_number(container, action["port"]) == API_PORT, f"the API's {probe} asks another port"
    assert int(config()["TUTOR_PORT"]) == API_PORT, "the ConfigMap's TUTOR_PORT is not the port the probes ask"


@pytest.mark.parametrize(("kind", "name"), of_kinds(WORKLOADS))
def test_pods_run_unprivileged_with_a_read_only_root(kind, name):
    """Every pod passes the namespace's "restricted" Pod Security profile and cannot write its image."""
    spec = pod_template(kind, name)["spec"]
    pod = spec.get("securityContext", {})
    assert pod.get("runAsNonRoot") is True, f"{kind} {name}: runAsNonRoot is not set"
    assert pod.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{kind} {name}: no RuntimeDefault seccomp"
    assert spec.get("automountServiceAccountToken") is False, f"{kind} {name}: mounts a service account token"
    for container in containers(kind, name):
        where, context = f"{kind} {name}, container {container['name']}", container.get("securityContext", {})
        assert context.get("allowPrivilegeEscalation") is False, f"{where}: privilege escalation allowed"
        assert context.get("readOnlyRootFilesystem") is True, f"{where}: the root file system is writable"
        assert context.get("capabilities", {}).get("drop") == ["ALL"], f"{where}: capabilities not all dropped"


@pytest.mark.parametrize(("kind", "name"), [("Deployment", "tutor-api"), ("Job", "tutor-ingest")])
def test_tutor_pods_run_as_the_image_user_with_writable_data_and_tmp(kind, name):
    spec = pod_template(kind, name)["spec"]
    pod = spec["securityContext"]
    assert (pod.get("runAsUser"), pod.get("runAsGroup")) == (IMAGE_USER, IMAGE_USER), f"{kind} {name}: {pod}"
    scratch = {volume["name"] for volume in spec.get("volumes", []) if "emptyDir" in volume}
    (container,) = spec["containers"]
    mounted = {mount["mountPath"] for mount in container.get("volumeMounts", []) if mount["name"] in scratch}
    assert {config()["TUTOR_DATA_DIR"], "/tmp"} <= mounted, f"{kind} {name}: emptyDir volumes only on {mounted}"


def setting_names() -> set[str]:
    return {f"TUTOR_{field.upper()}" for field in Settings.model_fields}


def test_every_configured_name_is_a_tutor_setting():
    unknown = (set(config()) | secret_keys()) - setting_names()
    assert not unknown, f"the ConfigMap or Secret sets {sorted(unknown)}, which tutor.settings.Settings does not read"
    secrets = {name for name, field in Settings.model_fields.items() if "SecretStr" in str(field.annotation)}
    assert secret_keys() == {f"TUTOR_{name.upper()}" for name in secrets}, (
        "the Secret does not hold exactly the secrets"
    )
    assert not set(config()) & secret_keys(), "a setting is both in the ConfigMap and in the Secret"


def test_the_configmap_values_are_valid_settings():
    values = {name.removeprefix("TUTOR_").lower(): value for name, value in config().items()}
    settings = Settings(_env_file=None, **values)
    assert (settings.store, settings.index_on_start) == ("server", False), "replicas must share one indexed server"


def test_the_committed_admin_key_is_a_placeholder_the_service_refuses():
    placeholder = resource("Secret", "tutor-secrets")["stringData"]["TUTOR_ADMIN_API_KEY"]
    with pytest.raises(ValidationError, match="admin"):
        Settings(_env_file=None, admin_api_key=placeholder)


@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [
        (
            "Deployment",
            "tutor-api",
            [{"configMapRef": {"name": "tutor-config"}}, {"secretRef": {"name": "tutor-secrets"}}],
        ),
        ("Job", "tutor-ingest", [{"configMapRef": {"name": "tutor-config"}}]),
    ],
)
def test_tutor_pods_read_their_settings_from_the_config(kind, name, expected):
    (container,) = containers(kind, name)
    assert container["envFrom"] == expected, f"{kind} {name} reads its settings from {container['envFrom']}"


def test_every_resource_carries_the_common_labels():
    for (kind, name), document in resources().items():
        labels = document["metadata"].get("labels", {})
        assert labels.get("app.kubernetes.io/part-of") == PART_OF, f"{kind} {name} is not labelled part-of {PART_OF}"
        if kind != "Namespace":
            assert all(label in labels for label in LABELS), f"{kind} {name} lacks one of {LABELS}: {labels}"
            assert document["metadata"].get("namespace") == kustomization()["namespace"], f"{kind} {name}: namespace"


@pytest.mark.parametrize(("kind", "name"), of_kinds(WORKLOADS))
def test_workload_pods_carry_their_selector_and_the_common_labels(kind, name):
    labels = pod_template(kind, name)["metadata"]["labels"]
    assert all(label in labels for label in LABELS), f"{kind} {name}'s pods lack one of {LABELS}: {labels}"
    selector = resource(kind, name)["spec"].get("selector", {}).get("matchLabels", {})
    assert selector.items() <= labels.items(), f"{kind} {name}: selector {selector} does not match its pods {labels}"


def selected_workloads(selector: dict) -> list[tuple[str, str]]:
    return [key for key in of_kinds(WORKLOADS) if selector.items() <= pod_template(*key)["metadata"]["labels"].items()]


@pytest.mark.parametrize(
    ("service", "workload", "port", "target"),
    [
        ("tutor-api", ("Deployment", "tutor-api"), 80, API_PORT),
        ("chroma", ("StatefulSet", "chroma"), 8000, CHROMA_PORT),
    ],
)
def test_service_selects_its_workload_only_and_reaches_its_named_port(service, workload, port, target):
    spec = resource("Service", service)["spec"]
    assert selected_workloads(spec["selector"]) == [workload], f"Service {service} selects the wrong pods"
    (entry,) = spec["ports"]
    (container,) = pod_template(*workload)["spec"]["containers"]
    assert (entry["name"], entry["port"]) == ("http", port), f"Service {service} port: {entry}"
    assert port_number(container, entry["targetPort"]) == target, f"Service {service} targets another port"


def test_api_service_is_cluster_internal():
    assert resource("Service", "tutor-api")["spec"]["type"] == "ClusterIP"


def test_autoscaler_scales_the_api_deployment_on_cpu():
    spec = resource("HorizontalPodAutoscaler", "tutor-api")["spec"]
    target = spec["scaleTargetRef"]
    assert (target["apiVersion"], target["kind"]) == ("apps/v1", "Deployment"), f"the HPA targets {target}"
    resource(target["kind"], target["name"])
    assert (spec["minReplicas"], spec["maxReplicas"]) == (2, 6), f"replicas {spec['minReplicas']}-{spec['maxReplicas']}"
    assert resource("Deployment", target["name"])["spec"]["replicas"] == spec["minReplicas"]
    (metric,) = spec["metrics"]
    assert (metric["resource"]["name"], metric["resource"]["target"]["type"]) == ("cpu", "Utilization"), metric
    assert spec["behavior"]["scaleDown"]["stabilizationWindowSeconds"] > 0, "scale-down is not stabilised"


def test_disruption_budget_covers_the_api_pods():
    spec = resource("PodDisruptionBudget", "tutor-api")["spec"]
    assert selected_workloads(spec["selector"]["matchLabels"]) == [("Deployment", "tutor-api")], spec["selector"]


def test_api_pods_invite_prometheus_to_scrape_metrics():
    annotations = pod_template("Deployment", "tutor-api")["metadata"].get("annotations", {})
    hint = {key: annotations.get(f"prometheus.io/{key}") for key in ("scrape", "path", "port")}
    assert hint == {"scrape": "true", "path": METRICS_PATH, "port": str(API_PORT)}, f"scrape hint: {hint}"


def test_api_drains_before_it_stops():
    spec = pod_template("Deployment", "tutor-api")["spec"]
    pause = api_container()["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert 0 < pause < spec["terminationGracePeriodSeconds"], "the preStop pause leaves no time to finish requests"


def test_chroma_server_matches_the_tutor_settings():
    statefulset = resource("StatefulSet", "chroma")["spec"]
    (container,) = statefulset["template"]["spec"]["containers"]
    service = resource("Service", "chroma")
    assert config()["TUTOR_CHROMA_HOST"] == service["metadata"]["name"] == statefulset["serviceName"]
    assert int(config()["TUTOR_CHROMA_PORT"]) == service["spec"]["ports"][0]["port"] == CHROMA_PORT
    args = container["args"]
    assert args[args.index("--port") + 1] == str(CHROMA_PORT), f"Chroma listens elsewhere: {args}"
    (claim,) = statefulset["volumeClaimTemplates"]
    mounts = {mount["name"]: mount["mountPath"] for mount in container["volumeMounts"]}
    assert args[args.index("--path") + 1] == mounts[claim["metadata"]["name"]], "Chroma's data is not on its claim"
    for probe in PROBES:
        assert container[probe]["httpGet"]["path"] == CHROMA_HEARTBEAT, f"Chroma's {probe} is not its heartbeat"


def test_ingest_job_indexes_the_course_with_the_api_image():
    (job,) = containers("Job", "tutor-ingest")
    assert job["image"] == api_container()["image"], "the ingest Job runs another image than the API"
    assert job["command"][-3:] == ["-m", "tutor", "ingest"], f"the Job runs {job['command']}"
    assert pod_template("Job", "tutor-ingest")["spec"]["restartPolicy"] == "Never"


def test_kustomization_names_the_contract_image():
    (image,) = kustomization()["images"]
    assert image["name"] == api_container()["image"], "the kustomization rewrites an image no container uses"
    assert image["newName"] == IMAGE_NAME, f"the tutor's image is {IMAGE_NAME}, not {image['newName']}"
