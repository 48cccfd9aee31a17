"""Creating an eval run: every part of the request is checked before anything is stored
(dataset and version, target and version, metrics with their services, thresholds, baseline);
then one row and one job on the `evals` queue."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from agent_platform.api.errors import ApiError, FieldError
from agent_platform.definitions import selectors as definition_selectors
from agent_platform.service_errors import ServiceError
from evals import queue
from evals.dataset_items import items_with_tags
from evals.metric_services import metric_services
from evals.models import DATASETS, SUCCEEDED, DatasetVersion, EvalRun
from evals.services import _find_target, _target_ref, check_thresholds
from runtime.evals import build_metrics
from runtime.evals.errors import EvalError

MAX_REPEATS = 20
MAX_CONCURRENCY = 64
DEFAULT_CONCURRENCY = 4


@dataclass
class Target:
    kind: str
    definition: Any
    version: Any
    environment: str


def resolve_target(project, target) -> Target:
    from agents.models import AGENTS
    from workflows.models import WORKFLOWS

    kind, ref = _target_ref(target)
    unknown = sorted(set(target) - {"agent", "workflow", "version", "environment"})
    if unknown:
        raise FieldError(f"target.{unknown[0]}", "unknown field")
    version, environment = target.get("version"), target.get("environment")
    if version is not None and environment is not None:
        raise FieldError("target.version", "give either 'version' or 'environment', not both")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int) or version < 1):
        raise FieldError("target.version", "must be a version number")
    definition = _find_target(project, kind, ref)
    try:
        pinned, env = definition_selectors.resolve_pinned_version(
            AGENTS if kind == "agent" else WORKFLOWS, definition, version=version, environment=environment,
            field="version")
    except (ApiError, ServiceError) as exc:
        raise ApiError(str(exc.detail), errors={f"target.{k}": v for k, v in exc.errors.items()}) from None
    return Target(kind, definition, pinned, env or "")


def resolve_dataset(project, ref, version: int | None) -> DatasetVersion:
    if not isinstance(ref, str) or not ref:
        raise FieldError("dataset", "must be a dataset name or id")
    dataset = definition_selectors.find_definition(DATASETS, project, ref)
    if dataset is None:
        raise FieldError("dataset", f"unknown dataset {ref!r}")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int) or version < 1):
        raise FieldError("dataset_version", "must be a version number")
    if version is None:
        latest = definition_selectors.latest_version(DATASETS, dataset)
        if latest is None:
            raise FieldError("dataset", f"dataset {dataset.name!r} has no items yet")
        return latest
    found = definition_selectors.versions_of(DATASETS, dataset).filter(number=version).first()
    if found is None:
        raise FieldError("dataset_version", f"dataset {dataset.name!r} has no version {version}")
    return found


def resolve_baseline(project, ref, *, target: Target, dataset_version: DatasetVersion) -> EvalRun | None:
    """An eval id, or `env:<environment>`: the newest succeeded eval of the version that environment
    points at, on the same dataset version."""
    if ref in (None, ""):
        return None
    if not isinstance(ref, str):
        raise FieldError("baseline", "must be an eval id or 'env:<environment>'")
    if ref.startswith("env:"):
        from agents.models import AGENTS
        from workflows.models import WORKFLOWS

        env = ref.removeprefix("env:")
        kind = AGENTS if target.kind == "agent" else WORKFLOWS
        try:
            pinned, _ = definition_selectors.resolve_pinned_version(kind, target.definition, environment=env)
        except (ApiError, ServiceError) as exc:
            raise FieldError("baseline", str(exc.detail)) from None
        found = (EvalRun.objects.filter(project=project, status=SUCCEEDED, dataset_version=dataset_version,
                                        **{f"{target.kind}_version": pinned}).order_by("-created_at").first())
        if found is None:
            raise FieldError("baseline", f"no succeeded eval of {target.kind} {target.definition.name!r} "
                                         f"v{pinned.number} ({env}) on this dataset version to compare with")
        return found
    found = EvalRun.objects.filter(project=project, pk=ref).first()
    if found is None:
        raise FieldError("baseline", f"unknown eval {ref!r}")
    if found.dataset_version_id != dataset_version.pk:
        raise FieldError("baseline", f"eval {ref} ran on another dataset version (v{found.dataset_version.number}); "
                                     "a comparison needs the same items")
    if found.status != SUCCEEDED:
        raise FieldError("baseline", f"eval {ref} is {found.status}, not succeeded")
    return found


def _int(data: dict, name: str, default: int, low: int, high: int) -> int:
    value = data.get(name, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise FieldError(name, f"must be an integer from {low} to {high}")
    return value


def check_metrics(project, specs) -> list:
    try:
        return build_metrics(specs, metric_services(project))
    except EvalError as exc:
        raise FieldError(str(exc.details.get("field") or "metrics"), exc.message) from None


KNOWN_FIELDS = {"dataset", "dataset_version", "target", "metrics", "thresholds", "baseline", "repeats",
                "concurrency", "fresh", "tags"}


def create_eval(*, project, data: dict, created_by: str = "") -> EvalRun:
    """Validate an eval request (shared/API.md) and store + enqueue it; nothing is stored on error."""
    if not isinstance(data, dict):
        raise FieldError("body", "expected a JSON object")
    unknown = sorted(set(data) - KNOWN_FIELDS)
    if unknown:
        raise FieldError(unknown[0], "unknown field")
    dataset_version = resolve_dataset(project, data.get("dataset"), data.get("dataset_version"))
    tags = data.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise FieldError("tags", "must be a list of tags")
    items = items_with_tags(dataset_version.items, tags)
    if not items:
        raise FieldError("dataset" if not tags else "tags",
                         f"dataset version v{dataset_version.number} has no items" + (" with these tags" if tags else ""))
    if "target" not in data:
        raise FieldError("target", "required: {agent|workflow, version?|environment?}")
    target = resolve_target(project, data["target"])
    if "metrics" not in data:
        raise FieldError("metrics", "at least one metric is required")
    metrics = check_metrics(project, data["metrics"])
    baseline = resolve_baseline(project, data.get("baseline"), target=target, dataset_version=dataset_version)
    thresholds = data.get("thresholds") or []
    check_thresholds(thresholds, [m.name for m in metrics], has_baseline=baseline is not None)
    repeats = _int(data, "repeats", 1, 1, MAX_REPEATS)
    concurrency = _int(data, "concurrency", DEFAULT_CONCURRENCY, 1, MAX_CONCURRENCY)
    fresh = data.get("fresh", False)
    if not isinstance(fresh, bool):
        raise FieldError("fresh", "must be true or false")
    with transaction.atomic():
        run = EvalRun.objects.create(
            project=project, dataset=dataset_version.dataset, dataset_version=dataset_version, kind=target.kind,
            environment=target.environment, metrics=list(data["metrics"]), thresholds=list(thresholds),
            baseline=baseline, tags=tags, repeats=repeats, concurrency=concurrency, fresh=fresh,
            total=len(items) * repeats, created_by=created_by,
            **{target.kind: target.definition, f"{target.kind}_version": target.version})
        transaction.on_commit(lambda: queue.enqueue_eval(run.pk))
    return run


def cancel_eval(*, eval_run: EvalRun) -> EvalRun:
    from django.utils import timezone

    from agent_platform.api.errors import Conflict
    from evals.models import CANCELLED, QUEUED

    if eval_run.is_terminal:
        raise Conflict(f"eval is already {eval_run.status}", field="status")
    with transaction.atomic():
        EvalRun.objects.filter(pk=eval_run.pk).update(cancel_requested=True)
        EvalRun.objects.filter(pk=eval_run.pk, status=QUEUED).update(
            status=CANCELLED, finished_at=timezone.now(), error={"type": "cancelled", "message": "cancelled by request"})
    eval_run.refresh_from_db()
    return eval_run
