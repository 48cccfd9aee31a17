"""A graph compiled once per run (or cached per workflow version): node implementations with
typed configs, compiled input expressions, integer adjacency, and per-node policies.

`compile_graph` checks only what execution needs (known types, unique ids, one Start, edges
between known nodes, parsable configs and expressions, no cycle); `validate_graph` is the full
check run before a version is saved.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from runtime.errors import ExpressionInvalid, GraphInvalid
from runtime.graph.expressions import compile_mapping
from runtime.graph.nodes import node_class
from runtime.graph.nodes.base import DEFAULT_PORT, ERROR_PORT, NodeType
from runtime.graph.nodes.body import BodyNode, nested_errors
from runtime.tools.base import RetryPolicy

NO_RETRY = RetryPolicy(max_attempts=1)


@dataclass
class CompiledNode:
    index: int
    id: str
    type: str
    impl: NodeType
    inputs: tuple[tuple[str, Callable[[dict[str, Any]], Any]], ...]
    retry: RetryPolicy = NO_RETRY
    timeout_s: float | None = None
    routed: bool = False  # has an `on_error` edge: failures take it instead of failing the run
    out_edges: tuple[tuple[int, str], ...] = ()  # (target index, port)
    in_count: int = 0
    sources: tuple[int, ...] = ()  # sources of incoming edges, in declaration order
    join_any: bool = False
    inline: bool = True  # cheap pure node: always runs on the scheduling thread
    is_end: bool = False


@dataclass
class CompiledGraph:
    nodes: list[CompiledNode]
    by_id: dict[str, CompiledNode]
    start: int
    ends: tuple[int, ...]
    vars: dict[str, Any] = field(default_factory=dict)
    source: dict[str, Any] = field(default_factory=dict, repr=False)


def _fail(node_id: str | None, field_name: str, message: str) -> GraphInvalid:
    return GraphInvalid([{"node_id": node_id, "field": field_name, "message": message}])


def _retry_policy(node_id: str, raw: Any) -> RetryPolicy:
    if raw is None:
        return NO_RETRY
    if not isinstance(raw, dict):
        raise _fail(node_id, "retry", "must be an object {max_attempts, backoff_s}")
    try:
        return RetryPolicy(max_attempts=int(raw.get("max_attempts", 1)), backoff_s=float(raw.get("backoff_s", 0.2)),
                           max_backoff_s=float(raw.get("max_backoff_s", 5.0)))
    except (TypeError, ValueError) as exc:
        raise _fail(node_id, "retry", str(exc)) from exc


def build_node(cls: type[NodeType], node_id: str, config: dict[str, Any]) -> NodeType:
    """A node type's instance, with its nested graph compiled when it has one (Loop, Map)."""
    impl = cls(node_id, config)
    if isinstance(impl, BodyNode):
        try:
            impl.body = compile_graph(impl.config.body)
        except GraphInvalid as exc:
            raise nested_errors(node_id, exc) from exc
    return impl


def _compile_node(index: int, raw: dict[str, Any]) -> CompiledNode:
    node_id = raw.get("id")
    if not isinstance(node_id, str) or not node_id:
        raise _fail(None, f"nodes[{index}].id", "every node needs a string id")
    cls = node_class(raw.get("type"))
    if cls is None:
        raise _fail(node_id, "type", f"unknown node type {raw.get('type')!r}")
    try:
        impl = build_node(cls, node_id, raw.get("config") or {})
        inputs = compile_mapping(raw.get("inputs") or {})
    except ExpressionInvalid as exc:
        raise _fail(node_id, str(exc.details.get("field", "inputs")), exc.message) from exc
    timeout = raw.get("timeout_s")
    return CompiledNode(index=index, id=node_id, type=cls.type, impl=impl, inputs=inputs,
                        retry=_retry_policy(node_id, raw.get("retry")),
                        timeout_s=float(timeout) if timeout else None,
                        join_any=cls.type == "join" and getattr(impl.config, "wait", "all") == "any",
                        inline=not (cls.does_io or cls.has_body or timeout), is_end=cls.type == "end")


def _link(nodes: list[CompiledNode], by_id: dict[str, CompiledNode], edges: list[dict[str, Any]]) -> None:
    outgoing: list[list[tuple[int, str]]] = [[] for _ in nodes]
    incoming: list[list[int]] = [[] for _ in nodes]
    for i, edge in enumerate(edges):
        src, dst = by_id.get(str(edge.get("from"))), by_id.get(str(edge.get("to")))
        if src is None or dst is None:
            end = "from" if src is None else "to"
            raise _fail(edge.get(end), f"edges[{i}].{end}", f"edge {end} unknown node {edge.get(end)!r}")
        port = edge.get("port") or DEFAULT_PORT
        outgoing[src.index].append((dst.index, port))
        incoming[dst.index].append(src.index)
        if port == ERROR_PORT:
            src.routed = True
    for node in nodes:
        node.out_edges = tuple(outgoing[node.index])
        node.sources = tuple(incoming[node.index])
        node.in_count = len(node.sources)
        node.impl.on_linked(tuple(nodes[i].id for i in node.sources))


def _check_acyclic(nodes: list[CompiledNode]) -> None:
    remaining = [n.in_count for n in nodes]
    queue = [n.index for n in nodes if n.in_count == 0]
    seen = 0
    while queue:
        i = queue.pop()
        seen += 1
        for target, _ in nodes[i].out_edges:
            remaining[target] -= 1
            if remaining[target] == 0:
                queue.append(target)
    if seen != len(nodes):
        stuck = next(n.id for n in nodes if remaining[n.index] > 0)
        raise _fail(stuck, "edges", "cycle in the graph (repeat work with a Loop node)")


def compile_graph(graph: dict[str, Any]) -> CompiledGraph:
    """Compile a graph definition for execution; raise `GraphInvalid` when it cannot run."""
    if not isinstance(graph, dict) or not isinstance(graph.get("nodes"), list):
        raise _fail(None, "nodes", "a graph is an object with a `nodes` list")
    nodes = [_compile_node(i, raw if isinstance(raw, dict) else {}) for i, raw in enumerate(graph["nodes"])]
    by_id: dict[str, CompiledNode] = {}
    for node in nodes:
        if node.id in by_id:
            raise _fail(node.id, "id", "duplicate node id")
        by_id[node.id] = node
    _link(nodes, by_id, graph.get("edges") or [])
    starts = [n.index for n in nodes if n.type == "start"]
    if len(starts) != 1:
        raise _fail(None, "nodes", f"a graph needs exactly one start node, found {len(starts)}")
    _check_acyclic(nodes)
    ends = tuple(n.index for n in nodes if n.is_end)
    return CompiledGraph(nodes=nodes, by_id=by_id, start=starts[0], ends=ends,
                         vars=dict(graph.get("vars") or {}), source=graph)
