"""Small graph builders for the tests."""
from __future__ import annotations

from itertools import pairwise
from typing import Any


def node(node_id: str, type: str, config: dict | None = None, inputs: dict | None = None, **policy: Any) -> dict:
    """One node definition."""
    raw: dict[str, Any] = {"id": node_id, "type": type}
    if config is not None:
        raw["config"] = config
    if inputs is not None:
        raw["inputs"] = inputs
    raw.update(policy)
    return raw


def edge(src: str, dst: str, port: str | None = None) -> dict:
    return {"from": src, "to": dst, **({"port": port} if port else {})}


def chain(*nodes: dict, extra_edges: list[dict] | None = None) -> dict:
    """A graph whose nodes are linked in the order given (plus `extra_edges`)."""
    edges = [edge(a["id"], b["id"]) for a, b in pairwise(nodes)]
    return {"nodes": list(nodes), "edges": edges + (extra_edges or [])}


def graph(nodes: list[dict], edges: list[tuple]) -> dict:
    """A graph from node dicts and `(from, to[, port])` tuples."""
    return {"nodes": nodes, "edges": [edge(*e) for e in edges]}
