"""Metric specs (`{type, name?, ...config}`) -> metric instances, and scoring one case with all."""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from runtime.errors import PlatformError
from runtime.evals.case import EvalCase
from runtime.evals.config import MetricConfig, parse_config
from runtime.evals.errors import MetricConfigInvalid, MetricServiceMissing, MetricUnknown
from runtime.evals.metrics.base import Metric, MetricResult, MetricServices

NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:\-]{0,99}$")


def build_metric(spec: Mapping[str, Any], services: MetricServices | None = None, *, field_prefix: str = "") -> Metric:
    """One metric from its spec. Raises `MetricUnknown`, `MetricConfigInvalid` or
    `MetricServiceMissing`, each naming the field (`field_prefix` + key)."""
    from runtime.evals.metrics import metric_class, metric_types

    services = services or MetricServices()
    if not isinstance(spec, Mapping):
        raise MetricConfigInvalid("a metric must be an object {type, name?, ...config}", field=field_prefix.rstrip("."))
    type_name = spec.get("type")
    cls = metric_class(type_name)
    if cls is None:
        known = sorted(metric_types())
        raise MetricUnknown(f"unknown metric type {type_name!r}; known types: {', '.join(known)}",
                            field=field_prefix + "type", known=known)
    name = spec.get("name", cls.type)
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise MetricConfigInvalid("metric name must start with a letter or '_' and use only letters, digits, "
                                  "'_', '.', ':' and '-' (at most 100 characters)", field=field_prefix + "name")
    raw = {k: v for k, v in spec.items() if k not in ("type", "name")}
    config: MetricConfig = parse_config(cls.Config, raw, field_prefix=field_prefix, metric_type=cls.type)
    for service in cls.services_needed:
        if getattr(services, service) is None:
            raise MetricServiceMissing(f"{cls.type} metric needs the {service!r} service, which this eval lacks",
                                       field=field_prefix + "type", service=service)
    return cls(name, config, services, field_prefix=field_prefix)


def build_metrics(specs: Sequence[Mapping[str, Any]], services: MetricServices | None = None,
                  *, field: str = "metrics") -> list[Metric]:
    """Every metric of an eval request; names must be unique (two of one type need `name`)."""
    if not isinstance(specs, Sequence) or isinstance(specs, (str, bytes)) or not specs:
        raise MetricConfigInvalid("metrics must be a non-empty list of {type, name?, ...config}", field=field)
    metrics: list[Metric] = []
    seen: dict[str, int] = {}
    for index, spec in enumerate(specs):
        metric = build_metric(spec, services, field_prefix=f"{field}[{index}].")
        if metric.name in seen:
            raise MetricConfigInvalid(
                f"metric name {metric.name!r} is used twice (metrics[{seen[metric.name]}] and metrics[{index}]); "
                "give one of them a `name`", field=f"{field}[{index}].name")
        seen[metric.name] = index
        metrics.append(metric)
    return metrics


def score_case(metrics: Sequence[Metric], case: EvalCase) -> dict[str, MetricResult]:
    """Every metric on one case. A typed engine error of one metric (a judge model down, a code
    metric raising) becomes that metric's failed result with `details["error"]`; others still run."""
    results: dict[str, MetricResult] = {}
    for metric in metrics:
        try:
            results[metric.name] = metric.score(case)
        except PlatformError as exc:
            results[metric.name] = MetricResult(None, False, f"{metric.type} could not score: {exc.message}",
                                                {"error": exc.to_dict()})
    return results
