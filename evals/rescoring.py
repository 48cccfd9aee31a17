"""Feedback arriving after an eval: the `human` metrics of every finished eval result made by (or
reusing) that run are scored again, and those evals' reports recomputed."""
from __future__ import annotations

from django.db import transaction

from evals.exports import store_exports
from evals.models import DONE, SUCCEEDED, EvalResult, EvalRun, Feedback
from runtime.evals import EvalCase, build_metric
from runtime.evals import Feedback as CaseFeedback


def rescore_human(run_id: str) -> list[str]:
    """Re-score `human` metrics on results of `run_id`; returns the ids of the evals updated."""
    from evals.reports import compute_report

    feedback = tuple(CaseFeedback(**f.as_case_feedback()) for f in Feedback.objects.filter(run_id=run_id))
    updated: set[str] = set()
    rows = EvalResult.objects.filter(run_id=run_id, status=DONE).select_related("eval")
    for row in rows:
        specs = [(index, spec) for index, spec in enumerate(row.eval.metrics) if spec.get("type") == "human"]
        if not specs:
            continue
        scores = dict(row.scores or {})
        for index, spec in specs:
            metric = build_metric(spec, field_prefix=f"metrics[{index}].")
            scores[metric.name] = metric.score(EvalCase(item_id=row.item_id, feedback=feedback)).to_dict()
        EvalResult.objects.filter(pk=row.pk).update(scores=scores)
        updated.add(row.eval_id)
    for eval_id in updated:
        with transaction.atomic():
            eval_run = EvalRun.objects.select_for_update().get(pk=eval_id)
            if eval_run.status == SUCCEEDED:
                report = compute_report(eval_run)
                EvalRun.objects.filter(pk=eval_id).update(report=report, passed=report["passed"])
                transaction.on_commit(lambda eval_run=eval_run: store_exports(eval_run))  # the new report's files
    return sorted(updated)
