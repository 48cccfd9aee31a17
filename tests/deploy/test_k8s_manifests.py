"""The Kubernetes manifests (deploy/k8s) render with kustomize, validate against the Kubernetes
schemas (kubernetes-validate ships them: offline), and agree with the code: every environment
variable the platform reads is provided to every platform container, every probe path is served,
every queue has a worker, every container runs as a non-root user with resources set.
"""
from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from django.conf import settings
from django.urls import Resolver404, resolve

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ["production", "single-node"]
KUBERNETES_VERSION = "1.30.0"  # the oldest minor the manifests promise to work with (docs/deploy.md)
CUSTOM_KINDS = {"ScaledObject"}  # KEDA's CRD: checked by hand below
PLATFORM = "agent-platform"

# Variables the code reads that a Kubernetes deployment must not set, and why.
NOT_FOR_KUBERNETES = {
    "TEST_DATABASE_NAME": "test sessions only",
    "PLATFORM_WORKERS": "make up's supervisor only; Kubernetes runs one worker per pod",
    "PLATFORM_ENCRYPTION_KEY_FILE": "an alternative to PLATFORM_ENCRYPTION_KEY (docs/deploy.md shows the mount)",
    "PLATFORM_ALLOW_UNSANDBOXED_CODE": "a development escape hatch, never in a cluster",
    "PLATFORM_ALLOWLIST_PERMIT_UNSAFE": "a development escape hatch, never in a cluster",
    "AWS_DEFAULT_REGION": "boto3's fallback for PLATFORM_ARTIFACTS_S3_REGION, which the ConfigMap sets",
}
_WSGI_KEYS = re.compile(r"^(HTTP_[A-Z_]+|PATH_INFO|REQUEST_METHOD|QUERY_STRING|CONTENT_TYPE|CONTENT_LENGTH)$")
_ENV_READ = re.compile(r"(?:environ\.get|getenv|env_bool|env_list|env_int|env_float|environ\[|env\.get|env\[)\(?\s*[\"']([A-Z][A-Z0-9_]+)[\"']")
_CODE_DIRS = ["agent_platform", "accounts", "agents", "alerts", "dashboards", "evals", "limits", "rag", "retention",
              "runs", "runtime", "surfaces", "tools", "webhooks", "workflows"]


def _render(overlay: str) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl (with its built-in kustomize) is not on PATH")
    out = subprocess.run([kubectl, "kustomize", str(K8S / "overlays" / overlay)], check=True,
                         capture_output=True, text=True, timeout=60).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


@pytest.fixture(scope="module", params=OVERLAYS)
def rendered(request) -> list[dict[str, Any]]:
    return _render(request.param)


def _workloads(docs: list[dict]) -> list[dict]:
    return [d for d in docs if d["kind"] in {"Deployment", "StatefulSet", "Job"}]


def _platform_workloads(docs: list[dict]) -> list[dict]:
    return [d for d in _workloads(docs) if d["metadata"].get("labels", {}).get("app.kubernetes.io/name") == PLATFORM]


def _pod(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def env_vars_read_by_the_code() -> set[str]:
    names: set[str] = set()
    for folder in _CODE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            names.update(_ENV_READ.findall(path.read_text()))
    return {n for n in names if not _WSGI_KEYS.match(n)}


def _secret_keys() -> set[str]:
    example = yaml.safe_load((K8S / "base" / "platform-secrets.example.yaml").read_text())
    return set(example["stringData"])


def test_every_manifest_is_valid_for_kubernetes(rendered):
    kinds = {d["kind"] for d in rendered}
    assert {"Deployment", "Job", "Service", "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget",
            "ConfigMap", "ScaledObject"} <= kinds
    for doc in rendered:
        if doc["kind"] in CUSTOM_KINDS:
            continue
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_the_example_secret_is_valid_and_not_rendered(rendered):
    example = yaml.safe_load((K8S / "base" / "platform-secrets.example.yaml").read_text())
    kubernetes_validate.validate(example, KUBERNETES_VERSION, strict=True)
    assert not [d for d in rendered if d["kind"] == "Secret"], "secrets are created by the operator, not committed"


def test_every_env_var_the_code_reads_is_provided_to_every_platform_container(rendered):
    config = {d["metadata"]["name"]: set(d.get("data", {})) for d in rendered if d["kind"] == "ConfigMap"}
    secrets = {"platform-secrets": _secret_keys()}
    wanted = env_vars_read_by_the_code() - set(NOT_FOR_KUBERNETES)
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PLATFORM_ENCRYPTION_KEY"} <= wanted  # the scan works
    for workload in _platform_workloads(rendered):
        for container in _pod(workload)["containers"]:
            provided = {e["name"] for e in container.get("env", [])}
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    provided |= config[source["configMapRef"]["name"]]
                if "secretRef" in source:
                    provided |= secrets[source["secretRef"]["name"]]
            missing = sorted(wanted - provided)
            assert not missing, f"{workload['metadata']['name']} lacks {missing}"
            configured = sorted(provided & set(NOT_FOR_KUBERNETES))
            assert not configured, f"{workload['metadata']['name']} sets {configured}"


def test_config_and_secret_do_not_overlap(rendered):
    config = set().union(*(set(d.get("data", {})) for d in rendered if d["kind"] == "ConfigMap"
                           and d["metadata"]["name"] == "platform-config"))
    assert not config & _secret_keys()
    assert not config & {"SECRET_KEY", "PLATFORM_ENCRYPTION_KEY", "DATABASE_URL", "OPENAI_API_KEY"}


def _probes(container: dict) -> list[dict]:
    return [container[p] for p in ("startupProbe", "livenessProbe", "readinessProbe") if p in container]


def test_every_http_probe_path_is_served_by_the_platform(rendered):
    api = [w for w in _platform_workloads(rendered) if w["metadata"]["name"] == "platform-api"]
    assert api, "the API Deployment is rendered"
    container = _pod(api[0])["containers"][0]
    paths = {p["httpGet"]["path"] for p in _probes(container) if "httpGet" in p}
    assert paths == {"/healthz", "/readyz"}
    assert "readinessProbe" in container and container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    for workload in _platform_workloads(rendered):
        for c in _pod(workload)["containers"]:
            for probe in _probes(c):
                if "httpGet" in probe:
                    try:
                        resolve(probe["httpGet"]["path"])
                    except Resolver404:
                        pytest.fail(f"{workload['metadata']['name']}: probe path {probe['httpGet']['path']} is not served")
                    host = {h["name"]: h["value"] for h in probe["httpGet"].get("httpHeaders", [])}.get("Host")
                    assert host in settings.ALLOWED_HOSTS, "the kubelet's Host header must be an allowed host"


def test_every_container_runs_as_a_non_root_user_with_resources(rendered):
    for workload in _workloads(rendered):
        pod = _pod(workload)
        pod_ctx = pod.get("securityContext", {})
        for c in pod.get("initContainers", []) + pod["containers"]:
            ctx = {**pod_ctx, **c.get("securityContext", {})}
            name = f"{workload['metadata']['name']}/{c['name']}"
            assert ctx.get("runAsNonRoot") is True, name
            assert ctx.get("runAsUser", 0) != 0, name
            assert ctx.get("allowPrivilegeEscalation") is False, name
            assert "ALL" in ctx.get("capabilities", {}).get("drop", []), name
            assert {"cpu", "memory"} <= set(c["resources"]["requests"]), name
            assert "memory" in c["resources"]["limits"], name


def test_the_image_runs_as_the_manifests_non_root_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = [line for line in dockerfile.splitlines() if line.startswith("FROM ")]
    assert len(stages) >= 2, "multi-stage: the build tools stay out of the final image"
    final = dockerfile.rsplit("\nFROM ", 1)[1]
    users = re.findall(r"^USER (\S+)", final, re.M)
    assert users and users[-1].split(":")[0] == "10001"
    assert "build-essential" not in final and "cmake" not in final


def _worker_queues(workload: dict) -> list[str]:
    command = _pod(workload)["containers"][0]["command"]
    return command[command.index("--queues") + 1].split(",") if "--queues" in command else []


def test_every_queue_has_workers_that_scale_on_its_backlog(rendered):
    workers = {w["metadata"]["name"]: w for w in _platform_workloads(rendered)
               if w["metadata"]["labels"].get("app.kubernetes.io/component") == "worker"}
    served = {q for w in workers.values() for q in _worker_queues(w)}
    assert served == set(settings.RQ_QUEUES)
    for scaled in (d for d in rendered if d["kind"] == "ScaledObject"):
        target = workers[scaled["spec"]["scaleTargetRef"]["name"]]
        queues = _worker_queues(target)
        (trigger,) = scaled["spec"]["triggers"]
        assert trigger["type"] == "redis"
        assert trigger["metadata"]["listName"] in {f"rq:queue:{q}" for q in queues}
        assert scaled["spec"]["maxReplicaCount"] >= scaled["spec"].get("minReplicaCount", 0)
    assert "platform-worker-runs" in {d["spec"]["scaleTargetRef"]["name"] for d in rendered if d["kind"] == "ScaledObject"}


def test_commands_the_manifests_run_exist():
    assert importlib.util.find_spec("agent_platform.scheduler.__main__") is not None
    assert (ROOT / "runs" / "management" / "commands" / "platform_worker.py").exists()
    rendered = _render("production")
    commands = {w["metadata"]["name"]: _pod(w)["containers"][0]["command"] for w in _platform_workloads(rendered)}
    assert commands["platform-scheduler"] == ["python", "-m", "agent_platform.scheduler"]
    assert commands["platform-migrate"][:3] == ["python", "manage.py", "migrate"]
    assert "agent_platform.asgi:application" in commands["platform-api"]


def test_the_ingress_keeps_streams_open(rendered):
    (ingress,) = [d for d in rendered if d["kind"] == "Ingress"]
    notes = ingress["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"
    assert int(notes["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
