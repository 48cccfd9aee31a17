"""The charts each dashboard page shows, built from a Series (labels per step, values per series)."""
from __future__ import annotations

from dashboards import charts
from dashboards.selectors import ModelsPage, Series
from dashboards.templatetags.dashboard_format import count, duration, usd


def step_labels(series: Series) -> list[str]:
    fmt = "%H:%M" if series.window.step == "hour" else "%m-%d"
    return [step.strftime(fmt) for step, _ in series.points]


def run_charts(series: Series) -> dict:
    labels = step_labels(series)
    stats = [s for _, s in series.points]
    outcome = [
        charts.Line("succeeded", [s.values.get("succeeded", 0) for s in stats], "s-ok"),
        charts.Line("failed", [s.values.get("failed", 0) for s in stats], "s-failed"),
        charts.Line("timed out", [s.values.get("timed_out", 0) for s in stats], "s-timeout"),
        charts.Line("cancelled", [s.values.get("cancelled", 0) for s in stats], "s-cancelled"),
    ]
    latency = [charts.Line("p50", [s.p50_ms for s in stats], "s-p50"),
               charts.Line("p95", [s.p95_ms for s in stats], "s-p95")]
    tokens = [charts.Line("input tokens", [s.values.get("input_tokens", 0) for s in stats], "s-in"),
              charts.Line("output tokens", [s.values.get("output_tokens", 0) for s in stats], "s-out")]
    cost = [charts.Line("cost", [s.values.get("cost_usd", 0) for s in stats], "s-cost")]
    per = "hour" if series.window.step == "hour" else "day"
    return {
        "runs": charts.stacked_bars(labels, outcome, title=f"Runs per {per} by outcome", fmt=count),
        "runs_legend": charts.legend(outcome),
        "latency": charts.lines(labels, latency, title=f"Run latency p50 and p95 per {per}", fmt=duration),
        "latency_legend": charts.legend(latency),
        "tokens": charts.stacked_bars(labels, tokens, title=f"Tokens per {per}", fmt=count),
        "tokens_legend": charts.legend(tokens),
        "cost": charts.stacked_bars(labels, cost, title=f"Cost per {per} (USD)", fmt=usd),
    }


def model_charts(page: ModelsPage) -> dict:
    labels = step_labels(page.series)
    stats = [s for _, s in page.series.points]
    calls = [charts.Line("calls", [s.values.get("calls", 0) - s.values.get("errors", 0) for s in stats], "s-ok"),
             charts.Line("errors", [s.values.get("errors", 0) for s in stats], "s-failed")]
    cost = [charts.Line("cost", [s.values.get("cost_usd", 0) for s in stats], "s-cost")]
    per = "hour" if page.series.window.step == "hour" else "day"
    return {"calls": charts.stacked_bars(labels, calls, title=f"Model calls per {per}", fmt=count),
            "calls_legend": charts.legend(calls),
            "cost": charts.stacked_bars(labels, cost, title=f"Model cost per {per} (USD)", fmt=usd)}
