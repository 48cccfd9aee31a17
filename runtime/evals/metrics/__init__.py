"""Metric types, one module per family, and the registry mapping type -> class (as node types).

`build_metrics(specs, services)` turns the `metrics` list of an eval request
(`[{type, name?, ...config}]`) into metric instances, validating every config up front so a bad
request fails before anything runs.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runtime.evals.metrics.base import Metric

_REGISTRY: dict[str, type[Metric]] = {}


def register(cls: type[Metric]) -> type[Metric]:
    """Class decorator: make a metric type available under `cls.type`."""
    _REGISTRY[cls.type] = cls
    return cls


def metric_class(type_name: object) -> type[Metric] | None:
    """The class of a metric type, or None when unknown."""
    return _REGISTRY.get(type_name) if isinstance(type_name, str) else None


def metric_types() -> dict[str, type[Metric]]:
    """Every registered metric type."""
    return dict(_REGISTRY)


def metric_spec_schema() -> dict[str, Any]:
    """JSON Schema of one entry of an eval's `metrics` list: `{type, name?, ...config}`, one
    branch per registered type (for OpenAPI and the admin's JSON editor)."""
    from runtime.evals.config import config_json_schema

    branches = []
    for type_name, cls in sorted(_REGISTRY.items()):
        schema = config_json_schema(cls.Config)
        schema["properties"] = {"type": {"const": type_name}, "name": {"type": "string"}, **schema["properties"]}
        schema["required"] = ["type", *schema.get("required", [])]
        branches.append(schema)
    return {"oneOf": branches}


# Import the built-in types so that they register themselves.
from runtime.evals.metrics import (  # noqa: E402, F401  (registration after the registry exists)
    code,
    human,
    json_checks,
    judge,
    levenshtein,
    rag,
    semantic,
    text_match,
    trajectory,
    usage,
)
from runtime.evals.metrics.build import build_metric, build_metrics, score_case  # noqa: E402

__all__ = ["build_metric", "build_metrics", "metric_class", "metric_spec_schema", "metric_types", "register",
           "score_case"]
