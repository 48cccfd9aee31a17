"""The report as Markdown, for CI comments: verdict, summary table, thresholds (failing first),
regressions against the baseline, and the failing items."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from runtime.evals.results import ItemResult, MetricInfo

MAX_FAILING_ITEMS = 20


def _num(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _pct(value: Any) -> str:
    return "–" if value is None else f"{value * 100:.1f} %"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _summary_table(report: dict[str, Any]) -> list[str]:
    lines = ["| metric | mean | pass rate | p50 | p95 | sum | 95 % CI (mean) | 95 % CI (pass rate) |",
             "|---|---:|---:|---:|---:|---:|---|---|"]
    for name, s in report["summary"].items():
        ci = s.get("ci") or {}
        mean_ci = ci.get("mean")
        pass_ci = ci.get("pass_rate")
        lines.append("| " + " | ".join([
            _cell(name), _num(s.get("mean")), _pct(s.get("pass_rate")), _num(s.get("p50")), _num(s.get("p95")),
            _num(s.get("sum")), f"{_num(mean_ci[0])} – {_num(mean_ci[1])}" if mean_ci else "–",
            f"{_pct(pass_ci[0])} – {_pct(pass_ci[1])}" if pass_ci else "–"]) + " |")
    return lines


def _thresholds(report: dict[str, Any]) -> list[str]:
    checked = report.get("thresholds") or []
    if not checked:
        return []
    lines = ["", "### Thresholds", ""]
    for t in sorted(checked, key=lambda t: t["passed"]):
        mark = "✅" if t["passed"] else "❌"
        extra = "" if t["passed"] else f" — {t.get('reason', '')}"
        base = f", baseline {_num(t['baseline_value'])}" if t.get("baseline_value") is not None else ""
        lines.append(f"- {mark} `{t['expr']}` (value {_num(t.get('value'))}{base}){_cell(extra)}")
    return lines


def _comparison(report: dict[str, Any]) -> list[str]:
    comparison = report.get("comparison")
    if not comparison:
        return []
    label = f" `{comparison['baseline']}`" if comparison.get("baseline") else ""
    lines = ["", f"### Against the baseline{label}", "",
             "| metric | baseline | candidate | Δ mean | wins / losses / ties | p | verdict |",
             "|---|---:|---:|---:|---|---:|---|"]
    for name, m in comparison["metrics"].items():
        verdict = ("❌ significant regression" if m["significant_regression"]
                   else "✅ significant improvement" if m["significant_improvement"] else "no significant change")
        lines.append(f"| {_cell(name)} | {_num(m['baseline_mean'])} | {_num(m['candidate_mean'])} | "
                     f"{_num(m['mean_delta'])} | {m['wins']} / {m['losses']} / {m['ties']} | {_num(m['p_value'])} | "
                     f"{verdict} |")
    regressed = [(i["item_id"], name, r) for i in comparison["items"] for name, r in i["metrics"].items()
                 if r["outcome"] == "loss" and name in comparison.get("regressions", [])]
    if regressed:
        lines += ["", "Items that got worse on a regressed metric:", ""]
        for item_id, name, r in regressed[:MAX_FAILING_ITEMS]:
            lines.append(f"- `{_cell(item_id)}` {name}: {_num(r['baseline'])} → {_num(r['candidate'])}")
        if len(regressed) > MAX_FAILING_ITEMS:
            lines.append(f"- … and {len(regressed) - MAX_FAILING_ITEMS} more")
    return lines


def _failing_items(metrics: Sequence[MetricInfo], results: Sequence[ItemResult]) -> list[str]:
    failing = [(r, m.name, r.scores[m.name]) for r in results for m in metrics
               if m.name in r.scores and r.scores[m.name].passed is False]
    if not failing:
        return []
    lines = ["", f"### Failing items ({len(failing)})", "", "| item | repeat | metric | value | reason |",
             "|---|---:|---|---:|---|"]
    for result, name, score in failing[:MAX_FAILING_ITEMS]:
        lines.append(f"| `{_cell(result.item_id)}` | {result.repeat + 1} | {_cell(name)} | {_num(score.value)} | "
                     f"{_cell(score.reason or '')[:200]} |")
    if len(failing) > MAX_FAILING_ITEMS:
        lines.append(f"\n… and {len(failing) - MAX_FAILING_ITEMS} more.")
    return lines


def render_markdown(report: dict[str, Any], metrics: Sequence[MetricInfo], results: Sequence[ItemResult], *,
                    title: str = "Eval") -> str:
    verdict = "✅ passed" if report["passed"] else "❌ failed"
    head = [f"## {title}: {verdict}", "",
            f"{report.get('items', 0)} items × {max(report.get('repeats', 1), 1)} repeat(s).", ""]
    totals = report.get("totals") or {}
    if totals.get("judge_scored"):
        head += [f"Judging: {totals['judge_scored']} verdicts, {totals['judge_input_tokens']} input + "
                 f"{totals['judge_output_tokens']} output tokens, ${totals['judge_cost_usd']:.6f}.", ""]
    body = (_summary_table(report) + _thresholds(report) + _comparison(report) + _failing_items(metrics, results))
    return "\n".join(head + body) + "\n"
