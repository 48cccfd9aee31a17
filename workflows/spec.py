"""The schema of a workflow version body, its defaults and its validation (errors keyed by node and field).

A body is `{"graph": {nodes, edges, vars?}, "input_schema"?: JSON Schema, "limits"?: {...}}`. The graph
is checked by `runtime.graph.validate_graph`; its errors are reported as
`graph.nodes.<node path>.<field>` (or `graph.<field>` for the graph as a whole), e.g.
`graph.nodes.search.config.top_k` or `graph.nodes.loop1/step.inputs.value`.
"""
from __future__ import annotations

from typing import Any

from agent_platform.service_errors import ServiceError
from runtime.graph import GraphError, validate_graph
from runtime.jsonschema_validation import field_errors, schema_problems

DEFAULT_INPUT_SCHEMA: dict[str, Any] = {"type": "object"}
DEFAULT_LIMITS: dict[str, Any] = {"max_steps": 10_000, "timeout_s": 3600, "max_parallel": 8}

BODY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["graph"],
    "properties": {
        "graph": {"type": "object"},
        "input_schema": {"type": "object"},
        "limits": {"type": "object", "additionalProperties": False, "properties": {
            "max_steps": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
            "timeout_s": {"type": "number", "minimum": 0.1, "maximum": 30 * 86_400},
            "max_cost_usd": {"type": "number", "minimum": 0},
            "max_parallel": {"type": "integer", "minimum": 1, "maximum": 64}}},
    },
}


def graph_error_key(error: GraphError) -> str:
    """Where a graph error is reported in the API's `errors` map."""
    if error.node_id:
        return f"graph.nodes.{error.node_id}.{error.field}"
    return f"graph.{error.field}"


def graph_errors(graph: Any) -> dict[str, list[str]]:
    """Every problem of a graph, keyed like the API reports them (empty dict = valid)."""
    errors: dict[str, list[str]] = {}
    for error in validate_graph(graph):
        errors.setdefault(graph_error_key(error), []).append(error.message)
    return errors


def validate_workflow_body(body: Any) -> dict[str, Any]:
    """Check a version body (shape, graph, input schema); return it normalised (limits filled in)."""
    if not isinstance(body, dict):
        raise ServiceError("The version body must be a JSON object.", field="body")
    errors = field_errors(BODY_SCHEMA, body)
    for key in sorted(set(body) - set(BODY_SCHEMA["properties"])):
        errors[key] = [f"Unknown field; a version body has {', '.join(BODY_SCHEMA['properties'])}."]
    if "graph" in body and "graph" not in errors:
        errors.update(graph_errors(body["graph"]))
    if "input_schema" in body and "input_schema" not in errors:
        problems = schema_problems(body["input_schema"])
        if problems:
            errors["input_schema"] = [f"not a valid JSON Schema: {problems[0]}"]
    if errors:
        raise ServiceError("The workflow version is invalid.", errors=errors, code="invalid_workflow_version")
    normalised = dict(body)
    normalised["limits"] = {**DEFAULT_LIMITS, **body.get("limits", {})}
    return normalised


def start_input_schema(graph: dict[str, Any]) -> dict[str, Any] | None:
    """The `input_schema` declared on the graph's Start node, if any."""
    for node in graph.get("nodes", []):
        if isinstance(node, dict) and node.get("type") == "start":
            schema = (node.get("config") or {}).get("input_schema")
            return schema if isinstance(schema, dict) else None
    return None


def input_schema(body: dict[str, Any]) -> dict[str, Any]:
    """The schema runs are checked against: the body's, else the Start node's, else any object."""
    return body.get("input_schema") or start_input_schema(body.get("graph") or {}) or DEFAULT_INPUT_SCHEMA
