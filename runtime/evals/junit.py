"""JUnit XML for CI (GitHub Actions, GitLab, Jenkins read it).

Three suites: `<name>.items` — one testcase per item × metric (× repeat when repeats > 1):
`<failure>` when the metric failed, `<error>` when it could not score, a plain pass otherwise
(value-only metrics report their value in `<system-out>`); `<name>.thresholds` — one testcase
per threshold; `<name>.regressions` — one testcase per compared metric (only with a baseline).
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from runtime.evals.results import ItemResult, MetricInfo

# Characters XML 1.0 cannot carry even escaped (control characters but tab/newline/CR, surrogates).
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: Any) -> str:
    return _INVALID_XML.sub("\ufffd", str(text))


def _suite(parent: ET.Element, name: str) -> ET.Element:
    return ET.SubElement(parent, "testsuite", name=_clean(name))


def _finish(suite: ET.Element) -> tuple[int, int, int]:
    cases = suite.findall("testcase")
    failures = sum(1 for c in cases if c.find("failure") is not None)
    errors = sum(1 for c in cases if c.find("error") is not None)
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", "0")
    suite.set("time", "0")  # required by the strict JUnit schema; run latencies are a metric here
    for case in cases:
        case.set("time", "0")
    return len(cases), failures, errors


def _item_cases(suite: ET.Element, name: str, metrics: Sequence[MetricInfo], results: Sequence[ItemResult]) -> None:
    repeated = any(r.repeat > 0 for r in results)
    for result in sorted(results, key=lambda r: (r.item_id, r.repeat)):
        for metric in metrics:
            score = result.scores.get(metric.name)
            if score is None:
                continue
            label = f"{metric.name} [repeat {result.repeat + 1}]" if repeated else metric.name
            case = ET.SubElement(suite, "testcase", classname=_clean(f"{name}.{result.item_id}"), name=_clean(label))
            if score.errored:
                error = ET.SubElement(case, "error", message=_clean(score.reason or "could not score"),
                                      type=_clean(score.details["error"].get("type", "error")))
                error.text = _clean(score.reason or "")
            elif score.passed is False:
                failure = ET.SubElement(case, "failure", message=_clean(score.reason or "failed"), type="metric_failed")
                failure.text = _clean(f"value={score.value}\n{score.reason or ''}")
            if score.value is not None:
                ET.SubElement(case, "system-out").text = _clean(f"value={score.value:g}")


def render_junit(report: dict[str, Any], metrics: Sequence[MetricInfo], results: Sequence[ItemResult], *,
                 name: str = "eval") -> str:
    """The report as a JUnit XML document (UTF-8, with declaration)."""
    root = ET.Element("testsuites", name=_clean(name))
    items = _suite(root, f"{name}.items")
    _item_cases(items, name, metrics, results)
    thresholds = _suite(root, f"{name}.thresholds")
    for checked in report.get("thresholds", []):
        case = ET.SubElement(thresholds, "testcase", classname=_clean(f"{name}.thresholds"), name=_clean(checked["expr"]))
        if not checked["passed"]:
            failure = ET.SubElement(case, "failure", message=_clean(checked.get("reason") or "threshold not met"),
                                    type="threshold_failed")
            failure.text = _clean(f"value={checked.get('value')} baseline_value={checked.get('baseline_value')}")
    suites = [items, thresholds]
    comparison = report.get("comparison")
    if comparison:
        regressions = _suite(root, f"{name}.regressions")
        for metric_name, m in comparison["metrics"].items():
            case = ET.SubElement(regressions, "testcase", classname=_clean(f"{name}.regressions"),
                                 name=_clean(f"no significant regression of {metric_name}"))
            if m["significant_regression"]:
                message = (f"{metric_name}: mean delta {m['mean_delta']} (wins {m['wins']}, losses {m['losses']}, "
                           f"ties {m['ties']}), p = {m['p_value']} < alpha {m['alpha']}")
                ET.SubElement(case, "failure", message=_clean(message), type="significant_regression").text = message
        suites.append(regressions)
    totals = [_finish(s) for s in suites]
    root.set("tests", str(sum(t[0] for t in totals)))
    root.set("failures", str(sum(t[1] for t in totals)))
    root.set("errors", str(sum(t[2] for t in totals)))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
