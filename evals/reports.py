"""An eval's report from its stored results (the runtime engine aggregates, compares and checks
thresholds), and its exports: JSON, JUnit XML, Markdown."""
from __future__ import annotations

from typing import Any

from evals.models import DONE, ERRORED, EvalResult, EvalRun
from runtime.evals import ItemResult, MetricInfo, build_report, parse_thresholds
from runtime.evals.junit import render_junit
from runtime.evals.markdown import render_markdown

CONTENT_TYPES = {"junit": "application/xml", "markdown": "text/markdown; charset=utf-8", "json": "application/json"}


def metric_infos(eval_run: EvalRun) -> list[MetricInfo]:
    return [MetricInfo.for_spec(spec) for spec in eval_run.metrics]


def item_results(eval_run: EvalRun) -> list[ItemResult]:
    rows = EvalResult.objects.filter(eval=eval_run, status__in=(DONE, ERRORED)).order_by("position", "repeat")
    return [item_result(row) for row in rows]


def item_result(row: EvalResult) -> ItemResult:
    return ItemResult.from_dict({"item_id": row.item_id, "repeat": row.repeat, "scores": row.scores or {},
                                 "output": row.output, "tags": row.tags or [], "run_id": row.run_id,
                                 "error": row.error})


def compute_report(eval_run: EvalRun) -> dict[str, Any]:
    metrics = metric_infos(eval_run)
    thresholds = parse_thresholds(eval_run.thresholds or [], [m.name for m in metrics],
                                  has_baseline=eval_run.baseline_id is not None)
    baseline = item_results(eval_run.baseline) if eval_run.baseline_id else None
    from accounts.redaction_policy import redactor_for

    report = build_report(metrics, item_results(eval_run), thresholds=thresholds, baseline=baseline,
                          baseline_label=eval_run.baseline_id)
    return redactor_for(eval_run.project).data(report)  # stored, exported and sent in eval.completed


def report_of(eval_run: EvalRun) -> dict[str, Any] | None:
    """The stored report of a finished eval, or a partial one computed from what is done so far."""
    if eval_run.report is not None:
        return eval_run.report
    if not EvalResult.objects.filter(eval=eval_run, status__in=(DONE, ERRORED)).exists():
        return None
    return compute_report(eval_run)


def title_of(eval_run: EvalRun) -> str:
    target = eval_run.target
    return (f"{eval_run.kind} {target.name if target else '?'} v{eval_run.target_version.number} on dataset "
            f"{eval_run.dataset.name} v{eval_run.dataset_version.number} ({eval_run.id})")


def render(eval_run: EvalRun, fmt: str) -> tuple[str, str]:
    """(body, content type) of an export: `junit` or `markdown` (JSON is the API's detail)."""
    report = report_of(eval_run) or build_report(metric_infos(eval_run), [])
    metrics, results = metric_infos(eval_run), item_results(eval_run)
    if fmt == "junit":
        name = f"eval.{eval_run.dataset.name}"
        return render_junit(report, metrics, results, name=name), CONTENT_TYPES["junit"]
    return render_markdown(report, metrics, results, title=title_of(eval_run)), CONTENT_TYPES["markdown"]
