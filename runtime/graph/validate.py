"""`validate_graph`: everything wrong with a workflow graph, before it is saved.

Checks, recursively for Loop/Map bodies: the graph's shape, node ids, unknown node types, node
policies, each config against its type's JSON Schema, dangling edges and bad ports, exactly one
Start and at least one End, unreachable nodes, cycles (repeat work with a Loop instead), Joins
with fewer than two inputs, error routes, expression syntax and references, and type mismatches
between declared output and input schemas (see `validate_io`). Each error names node and field.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from runtime.errors import ExpressionInvalid, GraphInvalid
from runtime.graph.compiled import build_node
from runtime.graph.nodes import node_class, node_types
from runtime.graph.nodes.base import ERROR_PORT, NodeType
from runtime.jsonschema_validation import field_errors

NODE_KEYS = frozenset({"id", "type", "name", "description", "config", "inputs", "retry", "timeout_s", "on_error",
                       "position"})
GRAPH_KEYS = frozenset({"nodes", "edges", "vars", "meta"})
_ID_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")
_RETRY_SCHEMA = {"type": "object", "additionalProperties": False,
                 "properties": {"max_attempts": {"type": "integer", "minimum": 1, "maximum": 20},
                                "backoff_s": {"type": "number", "minimum": 0},
                                "max_backoff_s": {"type": "number", "minimum": 0}}}


@dataclass(frozen=True)
class GraphError:
    """One problem: the node (path inside bodies, e.g. `loop1/step`), the field, and what is wrong."""

    node_id: str | None
    field: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"node_id": self.node_id, "field": self.field, "message": self.message}

    def __str__(self) -> str:
        return f"{self.node_id or '(graph)'}.{self.field}: {self.message}"


@dataclass
class Scope:
    """One graph being validated: its nodes by id, their implementations and the edges between them."""

    prefix: str
    in_body: bool
    raw_nodes: dict[str, dict[str, Any]]
    impls: dict[str, NodeType]
    edges: list[tuple[int, str, str, str]]  # (index, from, to, port) of well-formed edges
    errors: list[GraphError]

    def error(self, node_id: str | None, field: str, message: str) -> None:
        if node_id:
            self.errors.append(GraphError(f"{self.prefix}{node_id}", field, message))
        elif self.prefix:  # a problem of a body as a whole: name the Loop/Map node that holds it
            self.errors.append(GraphError(self.prefix.rstrip("/"), f"config.body.{field}", message))
        else:
            self.errors.append(GraphError(None, field, message))


def validate_graph(graph: Any) -> list[GraphError]:
    """Every error of `graph` (empty list = valid)."""
    return _validate_scope(graph, prefix="", in_body=False)


def assert_valid(graph: Any) -> None:
    """Raise `GraphInvalid` listing every error, if any."""
    errors = validate_graph(graph)
    if errors:
        raise GraphInvalid(errors)


def _validate_scope(graph: Any, prefix: str, in_body: bool) -> list[GraphError]:
    from runtime.graph.validate_io import check_expressions  # io checks build on the scope gathered here

    scope = Scope(prefix, in_body, {}, {}, [], [])
    if not isinstance(graph, dict) or not isinstance(graph.get("nodes"), list):
        scope.error(None, "nodes", "a graph is an object with a `nodes` list")
        return scope.errors
    for key in sorted(set(graph) - GRAPH_KEYS):
        scope.error(None, key, f"unknown graph key; expected {sorted(GRAPH_KEYS)}")
    for index, raw in enumerate(graph["nodes"]):
        _check_node(scope, index, raw)
    _check_edges(scope, graph.get("edges", []))
    _check_start_end(scope)
    topology = _Topology(scope)
    topology.check(scope)
    check_expressions(scope, topology.ancestors if not topology.has_cycle else None)
    return scope.errors


def _check_node(scope: Scope, index: int, raw: Any) -> None:
    if not isinstance(raw, dict):
        scope.error(None, f"nodes[{index}]", "a node is an object")
        return
    node_id = raw.get("id")
    if not isinstance(node_id, str) or not _ID_RE.match(node_id):
        scope.error(None, f"nodes[{index}].id", "an id is a name of letters, digits, `_` or `-`")
        return
    if node_id in scope.raw_nodes:
        scope.error(node_id, "id", "duplicate node id")
        return
    scope.raw_nodes[node_id] = raw
    for key in sorted(set(raw) - NODE_KEYS):
        scope.error(node_id, key, f"unknown node key; expected {sorted(NODE_KEYS)}")
    cls = node_class(raw.get("type"))
    if cls is None:
        scope.error(node_id, "type", f"unknown node type {raw.get('type')!r}; known: {sorted(node_types())}")
        return
    _check_policies(scope, node_id, raw)
    if not isinstance(raw.get("inputs", {}), dict):
        scope.error(node_id, "inputs", "inputs map input names to expressions")
    config = raw.get("config", {})
    if _schema_errors(scope, node_id, "config", cls.config_schema, config):
        return
    body_errors = []
    for body in _bodies(cls, config).values():
        body_errors += _validate_scope(body, f"{scope.prefix}{node_id}/", in_body=True)
    scope.errors.extend(body_errors)
    if not body_errors:
        _construct(scope, cls, node_id, config)


def _bodies(cls: type[NodeType], config: dict[str, Any]) -> dict[str, Any]:
    return {"config.body": config["body"]} if cls.has_body and "body" in config else {}


def _construct(scope: Scope, cls: type[NodeType], node_id: str, config: dict[str, Any]) -> None:
    try:
        scope.impls[node_id] = build_node(cls, node_id, config)
    except ExpressionInvalid as exc:
        scope.error(node_id, str(exc.details.get("field", "config")), exc.message)
    except GraphInvalid as exc:
        for err in exc.errors:
            err = err if isinstance(err, dict) else err.to_dict()
            scope.error(node_id, str(err.get("field") or "config"), str(err.get("message")))


def _check_policies(scope: Scope, node_id: str, raw: dict[str, Any]) -> None:
    if "retry" in raw:
        _schema_errors(scope, node_id, "retry", _RETRY_SCHEMA, raw["retry"])
    timeout = raw.get("timeout_s")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0):
        scope.error(node_id, "timeout_s", "a timeout is a positive number of seconds")
    if raw.get("on_error", "fail") not in ("fail", "route"):
        scope.error(node_id, "on_error", "on_error is `fail` or `route`")


def _schema_errors(scope: Scope, node_id: str, field: str, schema: dict[str, Any], value: Any) -> bool:
    errors = field_errors(schema, value, prefix=field, name_property=True)
    for path, messages in errors.items():
        for message in messages:
            scope.error(node_id, path, message)
    return bool(errors)


def _check_edges(scope: Scope, edges: Any) -> None:
    if not isinstance(edges, list):
        scope.error(None, "edges", "edges is a list of {from, to, port?}")
        return
    seen: set[tuple[str, str, str]] = set()
    for index, edge in enumerate(edges):
        if not isinstance(edge, dict) or set(edge) - {"from", "to", "port", "label"}:
            scope.error(None, f"edges[{index}]", "an edge is an object {from, to, port?}")
            continue
        src, dst, port = str(edge.get("from")), str(edge.get("to")), str(edge.get("port") or "default")
        bad = [end for end, ref in (("from", src), ("to", dst)) if ref not in scope.raw_nodes]
        for end in bad:
            scope.error(src if end == "to" and src in scope.raw_nodes else None, f"edges[{index}].{end}",
                        f"dangling edge: no node {edge.get(end)!r}")
        if bad:
            continue
        impl = scope.impls.get(src)
        if impl is not None and port != ERROR_PORT and port not in impl.ports():
            scope.error(src, f"edges[{index}].port", f"unknown port {port!r}; ports: {sorted(impl.ports())}")
        if (src, dst, port) in seen:
            scope.error(src, f"edges[{index}]", f"duplicate edge to {dst!r}")
        seen.add((src, dst, port))
        scope.edges.append((index, src, dst, port))


def _check_start_end(scope: Scope) -> None:
    types = {nid: raw.get("type") for nid, raw in scope.raw_nodes.items()}
    starts = [nid for nid, t in types.items() if t == "start"]
    if len(starts) != 1:
        scope.error(starts[1] if len(starts) > 1 else None, "type",
                    f"a graph needs exactly one start node, found {len(starts)}")
    if not any(t == "end" for t in types.values()):
        scope.error(None, "nodes", "a graph needs at least one end node")
    for index, src, dst, _ in scope.edges:
        if types[dst] == "start":
            scope.error(dst, f"edges[{index}].to", "the start node cannot have incoming edges")
        if types[src] == "end":
            scope.error(src, f"edges[{index}].from", "an end node cannot have outgoing edges")


class _Topology:
    """Reachability, cycles, joins and error routes of one scope."""

    def __init__(self, scope: Scope) -> None:
        self.succ: dict[str, list[str]] = {nid: [] for nid in scope.raw_nodes}
        self.pred: dict[str, list[str]] = {nid: [] for nid in scope.raw_nodes}
        self.error_routes: set[str] = set()
        for _, src, dst, port in scope.edges:
            self.succ[src].append(dst)
            self.pred[dst].append(src)
            if port == ERROR_PORT:
                self.error_routes.add(src)
        self.has_cycle = False
        self._ancestors: dict[str, frozenset[str]] = {}

    def check(self, scope: Scope) -> None:
        start = next((nid for nid, raw in scope.raw_nodes.items() if raw.get("type") == "start"), None)
        reached = self._reach(start) if start else set()
        for nid, raw in scope.raw_nodes.items():
            if start and nid not in reached:
                scope.error(nid, "edges", "unreachable from the start node")
            if raw.get("type") == "join" and len(self.pred[nid]) < 2:
                scope.error(nid, "edges", f"a join needs at least two incoming edges, has {len(self.pred[nid])}")
            routed = raw.get("on_error") == "route"
            if routed and nid not in self.error_routes:
                scope.error(nid, "on_error", "on_error is `route` but no edge leaves by the `on_error` port")
            if nid in self.error_routes and raw.get("on_error", "route") != "route":
                scope.error(nid, "on_error", "an `on_error` edge leaves this node but its on_error is `fail`")
        cycle = self._find_cycle()
        if cycle:
            self.has_cycle = True
            scope.error(cycle[0], "edges", f"cycle {' -> '.join(cycle)}; repeat work with a Loop node")

    def _reach(self, start: str) -> set[str]:
        seen, stack = {start}, [start]
        while stack:
            for nxt in self.succ[stack.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return seen

    def _find_cycle(self) -> list[str] | None:
        color: dict[str, int] = {}
        for root in self.succ:
            if color.get(root):
                continue
            stack: list[tuple[str, int]] = [(root, 0)]
            path: list[str] = []
            while stack:
                node, child = stack.pop()
                if child == 0:
                    color[node] = 1
                    path.append(node)
                if child < len(self.succ[node]):
                    stack.append((node, child + 1))
                    nxt = self.succ[node][child]
                    if color.get(nxt) == 1:
                        return path[path.index(nxt):] + [nxt]
                    if not color.get(nxt):
                        stack.append((nxt, 0))
                else:
                    color[node] = 2
                    path.pop()
        return None

    def ancestors(self, node_id: str) -> frozenset[str]:
        """Nodes that always or sometimes run before `node_id` (only meaningful without cycles)."""
        known = self._ancestors.get(node_id)
        if known is not None:
            return known
        result: set[str] = set()
        stack = list(self.pred[node_id])
        while stack:
            nxt = stack.pop()
            if nxt not in result:
                result.add(nxt)
                stack.extend(self.pred[nxt])
        self._ancestors[node_id] = frozenset(result)
        return self._ancestors[node_id]
