"""Reports end to end: metrics scored on cases, the JSON report, JUnit XML and Markdown."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from runtime.evals import (
    ItemResult,
    MetricInfo,
    MetricResult,
    build_metrics,
    build_report,
    parse_thresholds,
    score_case,
)
from runtime.evals.junit import render_junit
from runtime.evals.markdown import render_markdown
from tests.runtime.evals.factories import case

SPECS = [{"type": "exact"}, {"type": "latency_ms", "max": 1000}, {"type": "contains", "name": "says_paris",
                                                                   "value": "Paris"}]


def run_eval(answers: dict[str, tuple[str, float]], repeats: int = 1) -> tuple[list, list[ItemResult]]:
    metrics = build_metrics(SPECS)
    results = []
    for item_id, (answer, latency) in answers.items():
        for repeat in range(repeats):
            c = case({"text": answer}, "Paris", item_id=item_id, latency_ms=latency + repeat, repeat=repeat)
            results.append(ItemResult(item_id, repeat, score_case(metrics, c), output={"text": answer}))
    return [MetricInfo.of(m) for m in metrics], results


GOOD = {f"q{i:02d}": ("Paris", 400.0 + 10 * i) for i in range(30)}
WORSE = {k: (("Lyon" if int(k[1:]) < 10 else "Paris"), v[1]) for k, v in GOOD.items()}


@pytest.fixture
def regressed():
    infos, baseline = run_eval(GOOD)
    _, candidate = run_eval(WORSE)
    thresholds = parse_thresholds(["pass_rate(exact) >= 0.9", "p95(latency_ms) <= 2000", "no_regression(exact)"],
                                  [m.name for m in infos], has_baseline=True)
    report = build_report(infos, candidate, thresholds=thresholds, baseline=baseline, baseline_label="ev_base")
    return infos, candidate, report


def test_report_shape_and_verdict(regressed):
    _, _, report = regressed
    json.dumps(report)  # JSON-able
    assert set(report) >= {"summary", "thresholds", "passed", "comparison"}
    exact = report["summary"]["exact"]
    assert (exact["mean"], exact["pass_rate"]) == (0.666667, 0.666667)
    assert set(exact) >= {"mean", "pass_rate", "p50", "p95", "sum", "ci"}
    assert report["summary"]["latency_ms"]["p50"] == 545.0
    assert [(t["expr"], t["passed"]) for t in report["thresholds"]] == [
        ("pass_rate(exact) >= 0.9", False), ("p95(latency_ms) <= 2000", True), ("no_regression(exact)", False)]
    assert report["comparison"]["regressions"] == ["exact", "says_paris"]
    assert report["passed"] is False
    assert (report["items"], report["repeats"]) == (30, 1)


def test_a_significant_regression_fails_the_report_even_without_a_threshold():
    infos, baseline = run_eval(GOOD)
    _, candidate = run_eval(WORSE)
    report = build_report(infos, candidate, baseline=baseline)
    assert report["thresholds"] == [] and report["passed"] is False


def test_a_clean_run_passes():
    infos, results = run_eval(GOOD, repeats=2)
    thresholds = parse_thresholds(["pass_rate(exact) >= 0.9"], [m.name for m in infos], has_baseline=False)
    report = build_report(infos, results, thresholds=thresholds)
    assert report["passed"] is True and "comparison" not in report
    assert report["repeats"] == 2


def test_junit_xml_parses_and_carries_failures(regressed):
    infos, candidate, report = regressed
    xml = render_junit(report, infos, candidate, name="capitals")
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(xml.encode())
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == ["capitals.items", "capitals.thresholds", "capitals.regressions"]
    items = suites["capitals.items"]
    assert (items.get("tests"), items.get("failures"), items.get("errors")) == ("90", "20", "0")  # 30 x 3; 10 x 2 fail
    failing = [c for c in items.findall("testcase") if c.find("failure") is not None]
    first = failing[0]
    assert (first.get("classname"), first.get("name")) == ("capitals.q00", "exact")
    assert first.find("failure").get("message") == "output 'Lyon' != expected 'Paris'"
    thresholds = suites["capitals.thresholds"]
    assert (thresholds.get("tests"), thresholds.get("failures")) == ("3", "2")
    regressions = suites["capitals.regressions"]
    assert regressions.get("failures") == "2"
    assert root.get("tests") == str(90 + 3 + 3) and root.get("failures") == str(20 + 2 + 2)


def test_junit_names_repeats_marks_errors_and_survives_control_characters():
    infos = [MetricInfo("exact", "exact")]
    results = [ItemResult("a\x01b", 0, {"exact": MetricResult(0.0, False, "bad \x07 bell")}),
               ItemResult("a\x01b", 1, {"exact": MetricResult(None, False, "judge down",
                                                              {"error": {"type": "model_error"}})})]
    report = build_report(infos, results)
    root = ET.fromstring(render_junit(report, infos, results))
    cases = root.find("testsuite").findall("testcase")
    assert [c.get("name") for c in cases] == ["exact [repeat 1]", "exact [repeat 2]"]
    assert cases[0].find("failure").get("message") == "bad \ufffd bell"
    assert cases[1].find("error").get("type") == "model_error"


def test_markdown_has_the_table_failing_thresholds_and_regressions(regressed):
    infos, candidate, report = regressed
    md = render_markdown(report, infos, candidate, title="capitals")
    assert md.startswith("## capitals: ❌ failed")
    assert "| metric | mean | pass rate | p50 | p95 | sum | 95 % CI (mean) | 95 % CI (pass rate) |" in md
    assert "| exact | 0.6667 | 66.7 % |" in md
    assert "- ❌ `pass_rate(exact) >= 0.9` (value 0.6667)" in md
    assert "- ✅ `p95(latency_ms) <= 2000`" in md
    assert md.index("❌ `pass_rate") < md.index("✅ `p95")  # failing first
    assert "### Against the baseline `ev_base`" in md
    assert "| exact | 1 | 0.6667 | -0.3333 | 0 / 10 / 20 |" in md and "❌ significant regression" in md
    assert "- `q00` exact: 1 → 0" in md
    assert "### Failing items (20)" in md
