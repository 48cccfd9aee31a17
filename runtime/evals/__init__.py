"""The eval engine, Django-free: metrics (one module per family, a registry type -> class),
the case they score, aggregation with confidence intervals, paired comparison against a
baseline, threshold expressions, and JSON / JUnit / Markdown reports.

Typical use (the Django `evals` app does this per eval run):

    metrics = build_metrics(request["metrics"], MetricServices(judge_model=..., embedder=..., sandbox=...))
    thresholds = parse_thresholds(request["thresholds"], [m.name for m in metrics], has_baseline=...)
    results = [ItemResult(item_id, repeat, score_case(metrics, case)) for ...]
    report = build_report([MetricInfo.of(m) for m in metrics], results, thresholds=thresholds, baseline=...)
"""
from __future__ import annotations

from runtime.evals.case import Citation, EvalCase, Feedback, ToolCallRecord
from runtime.evals.case_events import case_from_run_events
from runtime.evals.metrics import build_metric, build_metrics, metric_types, score_case
from runtime.evals.metrics.base import MetricResult, MetricServices
from runtime.evals.report import build_report
from runtime.evals.results import ItemResult, MetricInfo
from runtime.evals.thresholds import Threshold, parse_threshold, parse_thresholds

__all__ = [
    "Citation", "EvalCase", "Feedback", "ItemResult", "MetricInfo", "MetricResult", "MetricServices", "Threshold",
    "ToolCallRecord", "build_metric", "build_metrics", "build_report", "case_from_run_events", "metric_types",
    "parse_threshold", "parse_thresholds", "score_case",
]
