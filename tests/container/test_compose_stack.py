"""The tutor's compose stack for real: the tutor and Prometheus brought up by podman-compose, scraped and queried.

Grafana's image cannot be pulled where no image registry is reachable (CI), so only `tutor` and `prometheus` come up
(`podman-compose up -d tutor prometheus`): every query of the Grafana dashboard runs against that live Prometheus,
and Grafana's provisioning files are checked against compose.yaml without a Grafana server. Needs podman and
podman-compose (`make system-packages`, requirements.txt); never skipped. Run with `-s` to see the build and start-up
times.
"""

import json
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
import yaml
from grafana_foundation_sdk.cog.plugins import register_default_plugins
from grafana_foundation_sdk.models import prometheus as prometheus_query
from grafana_foundation_sdk.models.dashboard import Dashboard, Panel

ROOT = Path(__file__).resolve().parents[2]
TUTOR_DIR = ROOT / "deploy" / "tutor"
COMPOSE_FILE = TUTOR_DIR / "compose.yaml"
MONITORING = TUTOR_DIR / "monitoring"
PROMETHEUS_CONFIG = MONITORING / "prometheus.yml"
GRAFANA = MONITORING / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "tutor.json"
DATASOURCES = GRAFANA / "provisioning" / "datasources" / "prometheus.yaml"
DASHBOARD_PROVIDERS = GRAFANA / "provisioning" / "dashboards" / "tutor.yaml"
TAG = "test"  # the tag of the tutor_image fixture's image, and of the Prometheus image built here
PROMETHEUS_IMAGE = f"localhost/tutor-prometheus:{TAG}"
# The contract's metrics, by the names of the series Prometheus stores (counters end in _total, histograms are
# _bucket, _count and _sum).
HISTOGRAMS = ("tutor_request_duration_seconds", "tutor_stage_duration_seconds")
CONTRACT_SERIES = {"tutor_requests_total", "tutor_chunks_indexed", "tutor_feedback_total", "tutor_ready"} | {
    f"{histogram}_{suffix}" for histogram in HISTOGRAMS for suffix in ("bucket", "count", "sum")
}
# What Grafana puts in place of its macros, to run the dashboard's queries against Prometheus directly.
GRAFANA_MACROS = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h"}
PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset"}
PROMQL_WORDS |= {"and", "or", "unless", "inf", "nan"}
READY_WITHIN_SECONDS = 600  # the tutor's first start indexes the course and loads two models
SCRAPED_WITHIN_SECONDS = 90  # a few 5 s scrapes, and the 1 m windows of rate() filling with two samples
SEARCHES = ("gradient descent", "what is a transformer", "how do I grade a notebook")

# The stack waits for the tutor image (built once per run by the `tutor_image` fixture, from scratch in CI) and
# the tutor's first start; pytest-timeout counts fixture setup, so the project's 900 s is too short here.
pytestmark = pytest.mark.timeout(1800)


def compose_env(ports: dict[str, int]) -> dict[str, str]:
    """The environment of podman-compose: the test images, free host ports, and no TUTOR_ or GF_ setting of ours."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("TUTOR_", "GF_"))}
    env.setdefault("CONTAINERS_CONF", str(ROOT / "deploy" / "containers" / "containers.conf"))
    return env | {"TUTOR_TAG": TAG, "PROMETHEUS_TAG": TAG} | {name: str(port) for name, port in ports.items()}


def podman_compose(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the pinned podman-compose (this interpreter's) on compose.yaml, blind to any .env file beside it."""
    command = [sys.executable, "-m", "podman_compose", "--env-file", os.devnull, "-f", str(COMPOSE_FILE), *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        pytest.fail(f"podman-compose {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def read_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def read_dashboard() -> Dashboard:
    """The dashboard as grafana-foundation-sdk reads it (its panel and query plugins registered first)."""
    register_default_plugins()
    return Dashboard.from_json(json.loads(DASHBOARD.read_text()))


def queries(dashboard: Dashboard) -> list[tuple[str, prometheus_query.Dataquery]]:
    """Every query of every panel, with its panel's title (rows hold no queries: their panels are top-level)."""
    return [
        (panel.title, target)
        for panel in dashboard.panels
        if isinstance(panel, Panel)
        for target in panel.targets or []
    ]


def without_macros(expr: str) -> str:
    for macro, value in GRAFANA_MACROS.items():
        expr = expr.replace(macro, value)
    return expr


def metric_names(expr: str) -> set[str]:
    """The metric names in a PromQL expression: identifiers that are not strings, labels, functions or keywords."""
    bare = re.sub(r'"[^"]*"|\{[^}]*\}|\[[^\]]*\]|\b(?:by|without|on|ignoring)\s*\([^)]*\)', " ", expr)
    return set(re.findall(r"(?<![\w.])[a-zA-Z_:][\w:]*+(?!\s*\()", bare)) - PROMQL_WORDS


def service_volumes(service: dict) -> dict[str, str]:
    """A compose service's bind mounts and volumes: container path -> host source (as written) and options."""
    mounts = {}
    for volume in service.get("volumes", []):
        source, target, *options = volume.split(":")
        mounts[target] = ":".join([source, *options])
    return mounts


def prometheus_query_result(client: httpx.Client, expr: str) -> list[dict]:
    """The result of an instant query; fails the test on any error Prometheus reports (syntax, unknown function)."""
    response = client.get("/api/v1/query", params={"query": expr})
    body = response.json()
    if response.status_code != 200 or body.get("status") != "success":
        pytest.fail(f"Prometheus refused {expr!r}: {response.status_code} {body.get('errorType')}: {body.get('error')}")
    return body["data"]["result"]


def scalar(client: httpx.Client, expr: str) -> float | None:
    """The value of a query that gives one series, None when it gives none."""
    result = prometheus_query_result(client, expr)
    return float(result[0]["value"][1]) if result else None


def dashboard_gaps(prometheus: httpx.Client, exprs: dict[str, str]) -> dict[str, str]:
    """The queries that name a metric Prometheus has no series of, or that give no data; a query error fails."""
    known = set(prometheus.get("/api/v1/label/__name__/values").json()["data"])
    gaps = {}
    for name, expr in exprs.items():
        result = prometheus_query_result(prometheus, expr)
        if missing := metric_names(expr) - known:
            gaps[name] = f"Prometheus has no series of {sorted(missing)}"
        elif not result:
            gaps[name] = "no data"
    return gaps


def wait_for(what: str, check, within: float, interval: float = 1.0):
    """Poll ``check()`` until it returns something truthy; fail naming ``what`` after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not (value := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not seen within {within:.0f} s")
        time.sleep(interval)
    return value


def container_of(podman, project: str, service: str) -> str:
    names = podman(
        "ps", "--all", "--format", "{{.Names}}",
        "--filter", f"label=io.podman.compose.project={project}",
        "--filter", f"label=io.podman.compose.service={service}",
    ).stdout.split()  # fmt: skip
    assert len(names) == 1, f"expected one {service} container in {project}, found {names}"
    return names[0]


def wait_until_ready(podman, name: str, url: str) -> None:
    """Poll GET /ready of the tutor until 200; fail with its logs if it stops, restarts or is not ready in time."""
    deadline = time.monotonic() + READY_WITHIN_SECONDS
    with httpx.Client(base_url=url, timeout=2) as client:
        while True:
            try:
                if client.get("/ready").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            state = podman("inspect", "--format", "{{.State.Status}} {{.RestartCount}}", name, check=False).stdout
            if state.split() != ["running", "0"] or time.monotonic() > deadline:
                logs = podman("logs", name, check=False)
                pytest.fail(f"{name} not ready (state, restarts: {state.strip()}):\n{logs.stdout}{logs.stderr}")
            time.sleep(1)


@pytest.fixture(scope="module")
def prometheus_image(base_image, run_script) -> str:
    """The stack's Prometheus image, built once (Debian's package, installed by apt inside the build)."""
    seconds = run_script("build-prometheus-image.sh", TAG, timeout=900)
    print(f"\nimage {PROMETHEUS_IMAGE} built in {seconds:.0f} s")
    return PROMETHEUS_IMAGE


@pytest.fixture(scope="module")
def stack(tutor_image, prometheus_image, podman, free_port, request) -> dict:
    """`tutor` and `prometheus` up as a project of their own on free ports, tutor ready and scraped; then down -v."""
    ports = {"TUTOR_HTTP_PORT": free_port(), "PROMETHEUS_PORT": free_port(), "GRAFANA_PORT": free_port()}
    project = f"tutor-test-{uuid.uuid4().hex[:8]}"
    env = compose_env(ports)
    request.addfinalizer(lambda: podman_compose(env, "-p", project, "down", "-v", "-t", "0", timeout=180))
    started = time.perf_counter()
    podman_compose(env, "-p", project, "up", "-d", "tutor", "prometheus")
    tutor_url = f"http://127.0.0.1:{ports['TUTOR_HTTP_PORT']}"
    wait_until_ready(podman, container_of(podman, project, "tutor"), tutor_url)
    ready_seconds = time.perf_counter() - started
    prometheus = httpx.Client(base_url=f"http://127.0.0.1:{ports['PROMETHEUS_PORT']}", timeout=10)
    request.addfinalizer(prometheus.close)
    wait_for(
        'up{job="tutor"} == 1 in Prometheus',
        lambda: scalar(prometheus, 'up{job="tutor"}') == 1.0,
        within=SCRAPED_WITHIN_SECONDS,
    )
    up_seconds = time.perf_counter() - started
    print(f"\nstack {project} up in {up_seconds:.0f} s (tutor ready after {ready_seconds:.0f} s, then scraped)")
    return {"project": project, "tutor_url": tutor_url, "prometheus": prometheus}


@pytest.fixture
def tutor(stack):
    """An HTTP client of the stack's tutor (generous timeout: /ask generates on CPU)."""
    with httpx.Client(base_url=stack["tutor_url"], timeout=300) as client:
        yield client


def test_compose_config_is_valid_and_publishes_on_loopback_only(free_port):
    env = compose_env({"TUTOR_HTTP_PORT": free_port()})
    config = yaml.safe_load(podman_compose(env, "config", timeout=60).stdout)
    services = config["services"]
    assert set(services) == {"tutor", "prometheus", "grafana"}
    for name, service in services.items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond the loopback interface"
    assert services["tutor"]["image"] == f"localhost/rag-tutor:{TAG}"
    assert services["tutor"]["ports"] == [f"127.0.0.1:{env['TUTOR_HTTP_PORT']}:8000"]
    assert service_volumes(services["tutor"])["/data"] in config["volumes"]
    assert services["prometheus"]["image"] == PROMETHEUS_IMAGE
    assert service_volumes(services["prometheus"])["/etc/prometheus/prometheus.yml"].endswith(":ro")
    assert services["tutor"]["healthcheck"]["test"] == ["CMD", "python", "-m", "tutor.healthcheck"]
    grafana = services["grafana"]["image"]
    assert re.fullmatch(r"grafana/grafana-oss:\d+\.\d+\.\d+", grafana), f"{grafana}: not a pinned release"


def test_secrets_have_no_value_in_the_compose_file():
    services = read_yaml(COMPOSE_FILE)["services"]
    secrets = {"TUTOR_ADMIN_API_KEY": "tutor", "TUTOR_LLM_API_KEY": "tutor", "GF_SECURITY_ADMIN_PASSWORD": "grafana"}
    for secret, service in secrets.items():
        environment = services[service]["environment"]
        assert secret in environment and environment[secret] is None, f"{service}: {secret} must be passed on, unset"


def test_prometheus_config_passes_promtool_and_scrapes_the_tutor_every_5_s(prometheus_image, podman):
    checked = podman(
        "run", "--rm", "--entrypoint", "promtool",
        "--volume", f"{PROMETHEUS_CONFIG}:/etc/prometheus/prometheus.yml:ro",
        prometheus_image, "check", "config", "/etc/prometheus/prometheus.yml",
    )  # fmt: skip
    assert "SUCCESS" in checked.stdout + checked.stderr
    jobs = {job["job_name"]: job for job in read_yaml(PROMETHEUS_CONFIG)["scrape_configs"]}
    assert jobs["tutor"]["scrape_interval"] == "5s"
    assert jobs["tutor"]["metrics_path"] == "/metrics"
    assert jobs["tutor"]["static_configs"] == [{"targets": ["tutor:8000"]}]
    assert read_yaml(COMPOSE_FILE)["services"]["tutor"]["ports"][0].endswith(":8000"), "the tutor listens on 8000"


def test_dashboard_queries_use_only_the_contract_metrics_and_show_each_of_them():
    dashboard = read_dashboard()
    datasource_uid = read_yaml(DATASOURCES)["datasources"][0]["uid"]
    used = set()
    for title, query in queries(dashboard):
        assert isinstance(query, prometheus_query.Dataquery), f"panel {title!r}: not a Prometheus query"
        names = metric_names(query.expr)
        assert names, f"panel {title!r}: no metric in {query.expr!r}"
        assert names <= CONTRACT_SERIES, f"panel {title!r}: {names - CONTRACT_SERIES} are not the tutor's metrics"
        used |= names
    panels = [panel for panel in dashboard.panels if isinstance(panel, Panel)]
    assert {panel.datasource.uid for panel in panels} == {datasource_uid}
    shown = {name.removesuffix("_bucket") for name in used}
    expected = {name for name in CONTRACT_SERIES if not name.endswith(("_bucket", "_count", "_sum"))} | set(HISTOGRAMS)
    assert shown >= expected, f"the dashboard shows nothing of {expected - shown}"


def test_grafana_provisioning_points_at_the_mounted_dashboards_and_prometheus():
    compose = read_yaml(COMPOSE_FILE)
    mounts = service_volumes(compose["services"]["grafana"])
    for kind, provisioning in (("datasources", DATASOURCES), ("dashboards", DASHBOARD_PROVIDERS)):
        source, *options = mounts[f"/etc/grafana/provisioning/{kind}"].split(":")
        assert (TUTOR_DIR / source / provisioning.name).resolve() == provisioning and options == ["ro"]
    provider = read_yaml(DASHBOARD_PROVIDERS)["providers"][0]
    dashboards_dir = provider["options"]["path"]
    assert dashboards_dir in mounts, f"Grafana reads dashboards from {dashboards_dir}, where compose.yaml mounts none"
    source, *options = mounts[dashboards_dir].split(":")
    assert (TUTOR_DIR / source).resolve() == DASHBOARD.parent and options == ["ro"]
    home = compose["services"]["grafana"]["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert home == f"{dashboards_dir}/{DASHBOARD.name}"
    datasource = read_yaml(DATASOURCES)["datasources"][0]
    assert datasource["type"] == "prometheus"
    assert datasource["url"] == "http://prometheus:9090"
    assert compose["services"]["prometheus"]["ports"][0].endswith(":9090")
    assert read_dashboard().uid, "the dashboard has no uid: Grafana would give it a new URL on every load"


def test_prometheus_scrapes_the_ready_tutor_and_its_index(stack):
    prometheus = stack["prometheus"]
    wait_for(
        'tutor_ready{job="tutor"} == 1 in Prometheus',
        lambda: scalar(prometheus, 'tutor_ready{job="tutor"}') == 1.0,
        within=SCRAPED_WITHIN_SECONDS,
    )
    # The tutor sets this gauge when /ready answers 200 (the stack fixture's last request): a later scrape shows it.
    wait_for(
        'tutor_chunks_indexed{job="tutor"} > 0 in Prometheus',
        lambda: (scalar(prometheus, 'tutor_chunks_indexed{job="tutor"}') or 0.0) > 0,
        within=SCRAPED_WITHIN_SECONDS,
    )


def test_search_requests_show_in_prometheus(stack, tutor):
    prometheus = stack["prometheus"]
    searches = 'sum(tutor_requests_total{job="tutor", route="/search", status="200"})'
    before = scalar(prometheus, searches) or 0.0
    for query in SEARCHES:
        response = tutor.post("/search", json={"query": query, "top_k": 2})
        assert response.status_code == 200, response.text
    wait_for(
        f"{len(SEARCHES)} more /search requests in Prometheus than the {before:.0f} before",
        lambda: (scalar(prometheus, searches) or 0.0) >= before + len(SEARCHES),
        within=SCRAPED_WITHIN_SECONDS,
    )


def test_every_dashboard_query_runs_on_the_live_prometheus(stack, tutor):
    prometheus = stack["prometheus"]
    # A question the course does not cover: the refusal gate answers without generating (seconds, not a minute on
    # a busy CPU), and the answer still goes through both stages' histograms and the answer log.
    asked = tutor.post("/ask", json={"question": "Who painted the Mona Lisa?", "top_k": 2})
    assert asked.status_code == 200, asked.text
    rated = tutor.post("/feedback", json={"request_id": asked.json()["request_id"], "rating": "up"})
    assert rated.status_code == 200, rated.text
    exprs = {f"{title} ({query.ref_id})": without_macros(query.expr) for title, query in queries(read_dashboard())}
    unknown_variables = {name: expr for name, expr in exprs.items() if "$" in expr}
    assert not unknown_variables, f"Grafana variables this test does not replace: {unknown_variables}"
    # After one /ask, one rating and the searches, every query has data once two scrapes fall in its rate window.
    deadline = time.monotonic() + SCRAPED_WITHIN_SECONDS
    while gaps := dashboard_gaps(prometheus, exprs):
        assert time.monotonic() < deadline, f"after {SCRAPED_WITHIN_SECONDS} s: {gaps}"
        time.sleep(5)


def test_healthchecks_of_both_services_pass(stack, podman):
    for service in ("tutor", "prometheus"):
        name = container_of(podman, stack["project"], service)
        result = podman("healthcheck", "run", name, check=False)
        assert result.returncode == 0, f"{service}: {result.stdout}{result.stderr}"
