"""deploy/prometheus: the config and alert rules parse, every rule's PromQL parses, and every
series a rule reads is one the platform exposes at /metrics."""
from __future__ import annotations

from pathlib import Path

import promql_parser
import pytest
import yaml

from agent_platform.metrics import instruments
from agent_platform.metrics.collectors import StateCollector

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
PROMETHEUS_OWN = {"up"}  # series Prometheus itself records per target


def exposed_names() -> set[str]:
    names = set()
    for family in (instruments.runs_started, instruments.runs_finished, instruments.run_duration, instruments.cost,
                   instruments.gen_ai_duration, instruments.gen_ai_tokens, instruments.tool_duration,
                   instruments.tool_errors, instruments.retrieval_duration):
        for metric in family.describe():
            kind = metric.type
            base = metric.name
            if kind == "counter":
                names.add(f"{base}_total")
            elif kind == "histogram":
                names.update({f"{base}_bucket", f"{base}_count", f"{base}_sum"})
    names.update({"platform_queue_depth", "platform_queue_oldest_age_seconds", "platform_runs_in_progress",
                  "platform_runs_oldest_queued_age_seconds", "platform_rollup_lag_seconds",
                  "platform_metrics_source_up"})
    return names


def selectors(node) -> set[str]:
    found = set()
    if isinstance(node, promql_parser.VectorSelector):
        found.add(node.name)
    for attribute in ("lhs", "rhs", "expr", "args", "vector_selector", "param"):
        child = getattr(node, attribute, None)
        for item in child if isinstance(child, list) else [child]:
            if item is not None and type(item).__module__.startswith("promql_parser"):
                found |= selectors(item)
    return found


@pytest.mark.django_db
def test_the_state_gauges_listed_here_are_the_collectors():
    names = {family.name for family in StateCollector().collect()}
    assert {"platform_queue_depth", "platform_runs_in_progress", "platform_metrics_source_up"} <= names
    assert names <= exposed_names()


def test_every_alert_rule_parses_and_reads_exposed_series():
    rules = yaml.safe_load((DEPLOY / "alerts.yml").read_text())["groups"][0]["rules"]
    assert len(rules) >= 8
    exposed = exposed_names() | PROMETHEUS_OWN
    for rule in rules:
        assert rule["alert"] and rule["labels"]["severity"] in ("warning", "critical")
        expression = promql_parser.parse(rule["expr"])
        read = selectors(expression)
        assert read, rule["alert"]
        assert read <= exposed, (rule["alert"], read - exposed)


def test_the_scrape_config_sends_the_token_and_loads_the_rules():
    config = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())
    assert config["rule_files"] == ["alerts.yml"]
    for job in config["scrape_configs"]:
        assert job["metrics_path"] == "/metrics"
        assert job["authorization"]["type"] == "Bearer" and job["authorization"]["credentials_file"]


@pytest.mark.parametrize("expression", ["rate(platform_runs_finished_total[5m]", "sum by (x (y)"])
def test_the_parser_rejects_broken_promql(expression):
    with pytest.raises(ValueError):
        promql_parser.parse(expression)
