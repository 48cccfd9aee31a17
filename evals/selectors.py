"""Reads of the evals app, and the JSON shapes the API, the console and `run_eval` share."""
from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from agent_platform.definitions import selectors as definition_selectors
from agent_platform.service_errors import ObjectNotFound
from evals.models import DATASETS, Dataset, EvalResult, EvalRun, Feedback, PromotionPolicy


def evals_for_project(project, params=None) -> QuerySet:
    query = EvalRun.objects.filter(project=project).select_related(
        "dataset", "dataset_version", "agent", "agent_version", "workflow", "workflow_version")
    params = params or {}
    for name in ("status", "kind"):
        if params.get(name):
            query = query.filter(**{name: params[name]})
    if params.get("dataset"):
        query = query.filter(dataset__name=params["dataset"]) | query.filter(dataset_id=params["dataset"])
    if params.get("agent"):
        query = query.filter(agent__name=params["agent"])
    if params.get("workflow"):
        query = query.filter(workflow__name=params["workflow"])
    return query


def get_eval(project, eval_id: str) -> EvalRun:
    found = evals_for_project(project).filter(pk=eval_id).first()
    if found is None:
        raise ObjectNotFound(f"Eval {eval_id!r} not found.")
    return found


def get_dataset(project, ref: str) -> Dataset:
    return definition_selectors.get_definition(DATASETS, project, ref)


def target_dict(eval_run: EvalRun | PromotionPolicy) -> dict[str, Any]:
    target = eval_run.target
    out: dict[str, Any] = {"kind": eval_run.kind, eval_run.kind: target.name if target else None,
                           "id": getattr(eval_run, f"{eval_run.kind}_id")}
    if isinstance(eval_run, EvalRun):
        out["version"] = eval_run.target_version.number
        out["environment"] = eval_run.environment or None
    return out


def eval_dict(eval_run: EvalRun) -> dict[str, Any]:
    report = eval_run.report or {}
    thresholds = report.get("thresholds") or [{"expr": t, "passed": None, "value": None} for t in eval_run.thresholds]
    out: dict[str, Any] = {
        "id": eval_run.id, "status": eval_run.status,
        "dataset": {"id": eval_run.dataset_id, "name": eval_run.dataset.name,
                    "version": eval_run.dataset_version.number},
        "target": target_dict(eval_run), "metrics": eval_run.metrics, "repeats": eval_run.repeats,
        "concurrency": eval_run.concurrency, "fresh": eval_run.fresh, "tags": eval_run.tags or [],
        "baseline": eval_run.baseline_id,
        "progress": {"completed": eval_run.completed, "total": eval_run.total},
        "summary": report.get("summary"), "thresholds": thresholds, "passed": eval_run.passed,
        "totals": report.get("totals"),
        "error": eval_run.error, "created_at": eval_run.created_at, "started_at": eval_run.started_at,
        "finished_at": eval_run.finished_at,
    }
    if "comparison" in report:
        out["comparison"] = report["comparison"]
    return out


def result_passed(row: EvalResult) -> bool | None:
    verdicts = [s.get("passed") for s in (row.scores or {}).values() if s.get("passed") is not None]
    if row.error:
        return False
    return all(verdicts) if verdicts else None


def regressed_items(eval_run: EvalRun) -> set[str]:
    comparison = (eval_run.report or {}).get("comparison") or {}
    regressed = set()
    for entry in comparison.get("items") or []:
        if any(m.get("outcome") == "loss" for m in (entry.get("metrics") or {}).values()):
            regressed.add(entry["item_id"])
    return regressed


def results_of(eval_run: EvalRun, params=None) -> list[EvalResult]:
    """The eval's rows, filtered: `status`, `tag`, `failed=true`, `regressed=true`."""
    params = params or {}
    query = EvalResult.objects.filter(eval=eval_run).order_by("position", "repeat")
    if params.get("status"):
        query = query.filter(status=params["status"])
    rows = list(query)
    if params.get("tag"):
        rows = [r for r in rows if params["tag"] in (r.tags or [])]
    if str(params.get("failed", "")).lower() in ("1", "true", "yes"):
        rows = [r for r in rows if result_passed(r) is False]
    if str(params.get("regressed", "")).lower() in ("1", "true", "yes"):
        regressed = regressed_items(eval_run)
        rows = [r for r in rows if r.item_id in regressed]
    return rows


def item_dict(row: EvalResult, item: dict | None) -> dict[str, Any]:
    item = item or {}
    return {"item_id": row.item_id, "repeat": row.repeat, "status": row.status, "tags": row.tags or [],
            "input": item.get("input"), "expected": item.get("expected"), "output": row.output,
            "scores": row.scores or {}, "passed": result_passed(row), "run_id": row.run_id,
            "reused": row.reused_from_id is not None, "latency_ms": row.latency_ms, "input_tokens": row.input_tokens,
            "output_tokens": row.output_tokens, "cost_usd": row.cost_usd, "error": row.error}


def items_by_id(eval_run: EvalRun) -> dict[str, dict]:
    return {str(i["id"]): i for i in eval_run.dataset_version.items}


def policy_dict(policy: PromotionPolicy) -> dict[str, Any]:
    return {"id": policy.id, "target": target_dict(policy), "environment": policy.environment,
            "dataset": {"id": policy.dataset_id, "name": policy.dataset.name}, "thresholds": policy.thresholds,
            "latest_dataset_version": policy.latest_dataset_version, "max_age_days": policy.max_age_days,
            "created_at": policy.created_at}


def policies_for_project(project) -> QuerySet:
    return PromotionPolicy.objects.filter(project=project).select_related("agent", "workflow", "dataset")


def feedback_dict(entry: Feedback) -> dict[str, Any]:
    return {"id": entry.id, "run_id": entry.run_id, "thumbs": entry.thumbs or None, "score": entry.score,
            "comment": entry.comment, "created_by": entry.created_by, "created_at": entry.created_at}


def metric_history(project, kind: str, definition_id: str, metric: str, *, dataset_id: str | None = None,
                   limit: int = 50) -> list[dict[str, Any]]:
    """A metric's mean across the target's versions (newest succeeded eval per version)."""
    query = EvalRun.objects.filter(project=project, kind=kind, status="succeeded", **{f"{kind}_id": definition_id})
    if dataset_id:
        query = query.filter(dataset_id=dataset_id)
    seen: dict[int, dict[str, Any]] = {}
    for eval_run in query.select_related(f"{kind}_version").order_by("-created_at")[:500]:
        number = eval_run.target_version.number
        summary = ((eval_run.report or {}).get("summary") or {}).get(metric)
        if number in seen or not summary:
            continue
        seen[number] = {"version": number, "eval": eval_run.id, "mean": summary.get("mean"),
                        "pass_rate": summary.get("pass_rate")}
    return [seen[n] for n in sorted(seen)][-limit:]
