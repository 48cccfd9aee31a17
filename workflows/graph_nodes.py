"""Walking the nodes of a workflow graph, including the bodies of Loop and Map nodes."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from runtime.graph import node_class


def iter_nodes(graph: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """`(path, node)` for every node, depth first; body nodes have paths like `loop1/step`."""
    for node in graph.get("nodes", []) if isinstance(graph, dict) else []:
        if not isinstance(node, dict) or not isinstance(node.get("id"), str):
            continue
        path = f"{prefix}{node['id']}"
        yield path, node
        cls = node_class(node.get("type"))
        body = (node.get("config") or {}).get("body")
        if cls is not None and cls.has_body and isinstance(body, dict):
            yield from iter_nodes(body, f"{path}/")
