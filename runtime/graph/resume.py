"""Answering a paused run (API side): check the answer against the waiting Human input node's
schema, then append the `resume` delta this module builds and re-enqueue the run."""
from __future__ import annotations

import re
from typing import Any

from runtime.errors import InputInvalid
from runtime.graph.checkpoints import RESUME
from runtime.jsonschema_validation import error_messages

_ITERATION = re.compile(r"\[\d+\]$")


def find_node(graph: dict[str, Any], node_path: str) -> dict[str, Any]:
    """The raw definition of the node at `node_path` (`human1`, `map1[2]/approve`), through Loop/Map bodies."""
    current: dict[str, Any] | None = graph
    node: dict[str, Any] | None = None
    for part in node_path.split("/"):
        if current is None:
            break
        node_id = _ITERATION.sub("", part)
        node = next((n for n in current.get("nodes", []) if isinstance(n, dict) and n.get("id") == node_id), None)
        if node is None:
            break
        body = (node.get("config") or {}).get("body")
        current = body if isinstance(body, dict) else None
    if node is None or node.get("id") != _ITERATION.sub("", node_path.rsplit("/", 1)[-1]):
        raise InputInvalid(f"no node {node_path!r} in this workflow", field="node")
    return node


def check_resume_input(graph: dict[str, Any], node_path: str, value: Any) -> list[str]:
    """Why `value` cannot answer the Human input node at `node_path` (empty list: it can).

    The same check the node makes when the run resumes; the API answers 4xx when this is non-empty."""
    node = find_node(graph, node_path)
    if node.get("type") != "human":
        raise InputInvalid(f"node {node_path!r} is not a human input node", field="node")
    schema = (node.get("config") or {}).get("input_schema") or {"type": "object"}
    return error_messages(schema, value, limit=5)


def resume_delta(node_path: str, value: Any) -> tuple[str, dict[str, Any]]:
    """The `(key, delta)` to append to the run's checkpoints to answer `node_path` with `value`."""
    return f"{RESUME}:{node_path}", {"kind": RESUME, "node": node_path, "input": value}
