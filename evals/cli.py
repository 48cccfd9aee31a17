"""`manage.py run_eval`'s parts: turning options (or a YAML config) into an eval request, running
it against the local services or a remote platform, and printing the summary.

Exit codes: 0 every threshold holds, 1 a threshold failed or a metric regressed significantly,
2 bad usage or an infrastructure error (`UsageError`, `InfraError`).
"""
from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

EXIT_PASSED, EXIT_FAILED, EXIT_ERROR = 0, 1, 2
TERMINAL = ("succeeded", "failed", "cancelled")


class UsageError(Exception):
    """Bad options, or a request the platform refused (exit 2)."""


class InfraError(Exception):
    """The platform could not run the eval (exit 2)."""


@dataclass
class Options:
    project: str | None = None
    agent: str | None = None
    workflow: str | None = None
    version: int | None = None
    environment: str | None = None
    dataset: str | None = None
    metrics: list[Any] = field(default_factory=list)
    thresholds: list[str] = field(default_factory=list)
    baseline: str | None = None
    repeats: int | None = None
    concurrency: int | None = None
    tags: list[str] = field(default_factory=list)
    fresh: bool = False
    junit: str | None = None
    markdown: str | None = None
    json: str | None = None
    api_url: str | None = None
    api_key: str | None = None
    timeout: float = 3600.0


CONFIG_KEYS = {f for f in Options.__dataclass_fields__} | {"metric", "threshold", "tag"}


def load_config(path: str) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"--config {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise UsageError(f"--config {path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise UsageError(f"--config {path}: expected a mapping of options")
    unknown = sorted(set(data) - CONFIG_KEYS)
    if unknown:
        raise UsageError(f"--config {path}: unknown key {unknown[0]!r}")
    for single, plural in (("metric", "metrics"), ("threshold", "thresholds"), ("tag", "tags")):
        if single in data:
            data[plural] = [*data.get(plural, []), *(data.pop(single) if isinstance(data[single], list)
                                                     else [data.pop(single)])]
    return data


def parse_metric(text: Any) -> dict[str, Any]:
    """`exact`, `contains:value=Paris`, `llm_judge:rubric="Is it polite?",model=scripted/judge`, or
    a JSON object. Values are JSON when they parse as JSON, else text."""
    if isinstance(text, dict):
        return dict(text)
    if not isinstance(text, str) or not text.strip():
        raise UsageError(f"--metric {text!r}: give a metric type, TYPE:key=value,... or a JSON object")
    text = text.strip()
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UsageError(f"--metric {text!r}: not valid JSON ({exc.msg})") from None
        if not isinstance(value, dict):
            raise UsageError(f"--metric {text!r}: expected a JSON object")
        return value
    type_name, _, rest = text.partition(":")
    spec: dict[str, Any] = {"type": type_name}
    for part in _split_pairs(rest):
        key, eq, raw = part.partition("=")
        if not eq or not key.strip():
            raise UsageError(f"--metric {text!r}: expected key=value, got {part!r}")
        try:
            spec[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            spec[key.strip()] = raw
    return spec


def _split_pairs(text: str) -> list[str]:
    parts, current, quote = [], "", ""
    for char in text:
        if char in "\"'" and (not quote or quote == char):
            quote = "" if quote else char
        if char == "," and not quote:
            parts.append(current)
            current = ""
            continue
        current += char
    if current:
        parts.append(current)
    return [p for p in (p.strip() for p in parts) if p]


def eval_request(options: Options) -> dict[str, Any]:
    if bool(options.agent) == bool(options.workflow):
        raise UsageError("give exactly one of --agent or --workflow")
    if options.version is not None and options.environment:
        raise UsageError("give either --version or --environment, not both")
    if not options.dataset:
        raise UsageError("--dataset NAME[@VERSION] is required")
    if not options.metrics:
        raise UsageError("give at least one --metric")
    name, at, version = options.dataset.partition("@")
    request: dict[str, Any] = {"dataset": name, "metrics": [parse_metric(m) for m in options.metrics]}
    if at:
        if not version.isdigit():
            raise UsageError(f"--dataset {options.dataset!r}: the version after @ must be a number")
        request["dataset_version"] = int(version)
    target: dict[str, Any] = {"agent": options.agent} if options.agent else {"workflow": options.workflow}
    if options.version is not None:
        target["version"] = int(options.version)
    if options.environment:
        target["environment"] = options.environment
    request["target"] = target
    for key in ("thresholds", "tags"):
        if getattr(options, key):
            request[key] = list(getattr(options, key))
    for key in ("baseline", "repeats", "concurrency"):
        if getattr(options, key) is not None:
            request[key] = getattr(options, key)
    if options.fresh:
        request["fresh"] = True
    return request


def problem_text(body: dict[str, Any]) -> str:
    errors = body.get("errors") or {}
    lines = [str(body.get("detail") or body.get("title") or "refused")]
    lines += [f"  {name}: {'; '.join(messages)}" for name, messages in errors.items()]
    return "\n".join(lines)


def progress_line(body: dict[str, Any]) -> str:
    done, total = body["progress"]["completed"], body["progress"]["total"]
    width = 30
    filled = int(width * done / total) if total else width
    return f"\r{body['id']} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {body['status']}"


def summary_text(body: dict[str, Any]) -> str:
    rows = [("metric", "mean", "pass rate", "p50", "p95", "95% CI (mean)")]

    def num(value: Any) -> str:
        return "-" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value)
    for name, s in (body.get("summary") or {}).items():
        ci = (s.get("ci") or {}).get("mean")
        rows.append((name, num(s.get("mean")), num(s.get("pass_rate")), num(s.get("p50")), num(s.get("p95")),
                     f"[{num(ci[0])}, {num(ci[1])}]" if ci else "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for t in body.get("thresholds") or []:
        mark = "PASS" if t.get("passed") else "FAIL"
        lines.append(f"{mark}  {t['expr']}  (value {num(t.get('value'))}{'; ' + t['reason'] if t.get('reason') else ''})")
    comparison = body.get("comparison")
    if comparison:
        for name in comparison.get("regressions") or []:
            m = comparison["metrics"][name]
            lines.append(f"REGRESSION  {name}: mean delta {m['mean_delta']}, p = {m['p_value']} "
                         f"(vs {comparison.get('baseline')})")
    verdict = "passed" if body.get("passed") else "FAILED"
    lines.append(f"eval {body['id']} {verdict} ({body['dataset']['name']} v{body['dataset']['version']}, "
                 f"{body['target']['kind']} {body['target'][body['target']['kind']]} v{body['target']['version']})")
    return "\n".join(lines)


def exit_code(body: dict[str, Any]) -> int:
    if body["status"] != "succeeded":
        return EXIT_ERROR
    return EXIT_PASSED if body.get("passed") else EXIT_FAILED


def write_outputs(options: Options, body: dict[str, Any], exports: dict[str, str]) -> None:
    for fmt, path in (("junit", options.junit), ("markdown", options.markdown)):
        if path:
            Path(path).write_text(exports[fmt], encoding="utf-8")
    if options.json:
        Path(options.json).write_text(json.dumps(body, indent=2, default=str) + "\n", encoding="utf-8")


class LocalRunner:
    """Through this installation's services: the eval is created and enqueued like an API
    request, then executed here unless a worker claimed it first (then it is followed)."""

    def __init__(self, options: Options, err: TextIO) -> None:
        self.options, self.err = options, err

    def run(self, request: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        from accounts.models import Project
        from agent_platform.api.errors import ApiError
        from agent_platform.service_errors import ServiceError
        from evals import eval_requests, reports, selectors
        from evals.runner import execute_eval

        if not self.options.project:
            raise UsageError("--project SLUG is required (or --api-url and --api-key)")
        project = Project.objects.filter(slug=self.options.project).first()
        if project is None:
            raise UsageError(f"--project {self.options.project!r}: no such project")
        try:
            eval_run = eval_requests.create_eval(project=project, data=request, created_by="run_eval")
        except (ApiError, ServiceError) as exc:
            raise UsageError(problem_text({"detail": str(exc.detail), "errors": exc.errors})) from None
        failure: list[BaseException] = []

        def execute() -> None:
            from django.db import connection

            try:
                execute_eval(eval_run.pk, worker_name="run_eval")
            except BaseException as exc:  # noqa: BLE001 - reported by the main thread
                failure.append(exc)
            finally:
                connection.close()
        thread = threading.Thread(target=execute, name="run-eval", daemon=True)
        thread.start()
        deadline = time.monotonic() + self.options.timeout
        while True:
            body = selectors.eval_dict(selectors.get_eval(project, eval_run.pk))
            self.err.write(progress_line(body))
            self.err.flush()
            if body["status"] in TERMINAL:
                break
            if time.monotonic() > deadline:
                raise InfraError(f"eval {eval_run.pk} did not finish within {self.options.timeout:g} s")
            thread.join(timeout=0.2)
        self.err.write("\n")
        if failure and body["status"] != "succeeded":
            raise InfraError(f"eval {eval_run.pk} failed: {type(failure[0]).__name__}: {failure[0]}")
        finished = selectors.get_eval(project, eval_run.pk)
        exports = {fmt: reports.render(finished, fmt)[0] for fmt in ("junit", "markdown")}
        return body, exports


class RemoteRunner:
    """Over HTTP against `--api-url` with `--api-key` (httpx)."""

    def __init__(self, options: Options, err: TextIO) -> None:
        self.options, self.err = options, err

    def run(self, request: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        import httpx

        if not self.options.api_key:
            raise UsageError("--api-url needs --api-key")
        headers = {"Authorization": f"Bearer {self.options.api_key}"}
        try:
            with httpx.Client(base_url=self.options.api_url.rstrip("/"), headers=headers, timeout=30) as client:
                created = client.post("/api/v1/evals", json=request)
                if created.status_code in (400, 401, 403, 404, 409, 422):
                    raise UsageError(problem_text(_json(created)))
                if created.status_code != 202:
                    raise InfraError(f"POST /api/v1/evals answered {created.status_code}: {created.text[:500]}")
                eval_id = created.json()["id"]
                deadline = time.monotonic() + self.options.timeout
                while True:
                    response = client.get(f"/api/v1/evals/{eval_id}")
                    if response.status_code != 200:
                        raise InfraError(f"GET /api/v1/evals/{eval_id} answered {response.status_code}")
                    body = response.json()
                    self.err.write(progress_line(body))
                    self.err.flush()
                    if body["status"] in TERMINAL:
                        break
                    if time.monotonic() > deadline:
                        raise InfraError(f"eval {eval_id} did not finish within {self.options.timeout:g} s")
                    time.sleep(0.25)
                self.err.write("\n")
                exports = {}
                for fmt in ("junit", "markdown"):
                    report = client.get(f"/api/v1/evals/{eval_id}/report", params={"format": fmt})
                    if report.status_code != 200:
                        raise InfraError(f"report {fmt} answered {report.status_code}")
                    exports[fmt] = report.text
        except httpx.HTTPError as exc:
            raise InfraError(f"{self.options.api_url}: {type(exc).__name__}: {exc}") from None
        return body, exports


def _json(response) -> dict[str, Any]:
    try:
        value = response.json()
    except ValueError:
        return {"detail": response.text[:500]}
    return value if isinstance(value, dict) else {"detail": str(value)}


def run(options: Options, *, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Run the eval the options describe; print the summary; return the exit code."""
    try:
        request = eval_request(options)
        runner = RemoteRunner(options, err) if options.api_url else LocalRunner(options, err)
        body, exports = runner.run(request)
        write_outputs(options, body, exports)
    except UsageError as exc:
        err.write(f"run_eval: {exc}\n")
        return EXIT_ERROR
    except InfraError as exc:
        err.write(f"run_eval: infrastructure error: {exc}\n")
        return EXIT_ERROR
    out.write(summary_text(body) + "\n")
    if body["status"] != "succeeded":
        err.write(f"run_eval: eval {body['id']} {body['status']}: {(body.get('error') or {}).get('message', '')}\n")
    return exit_code(body)
