"""Validation of a scope's state mapping: expression syntax, path roots, references to nodes that
run before, missing or unknown inputs, and type mismatches between what a path (or literal, or
template) produces and what the consuming node's input schema declares."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from runtime.errors import ExpressionInvalid
from runtime.graph.expressions import Compiled, Path, compile_value
from runtime.graph.nodes.base import NodeType
from runtime.graph.schemas import declared_types, property_schema, subschema_at, type_of, types_compatible

if TYPE_CHECKING:
    from runtime.graph.validate import Scope

Ancestors = Callable[[str], frozenset[str]]
_INPUT_ROOTS = frozenset({"input", "nodes", "vars"})
_NO_REQUIRED_CHECK = frozenset({"start", "end", "join"})


def check_expressions(scope: Scope, ancestors: Ancestors | None) -> None:
    """Check every node's input mapping and config expressions (`ancestors` is None if the graph has a cycle)."""
    loop_roots = frozenset({"loop"}) if scope.in_body else frozenset()
    for node_id, raw in scope.raw_nodes.items():
        impl = scope.impls.get(node_id)
        inputs: dict[str, Any] = raw["inputs"] if isinstance(raw.get("inputs"), dict) else {}
        for name, expr in inputs.items():
            compiled = _compile(scope, node_id, f"inputs.{name}", expr)
            if compiled is None:
                continue
            _check_paths(scope, node_id, f"inputs.{name}", compiled.paths, _INPUT_ROOTS | loop_roots, ancestors)
            if impl is not None:
                _check_type(scope, node_id, name, compiled, impl)
        if impl is None:
            continue
        config_roots = _INPUT_ROOTS | {"inputs"} | loop_roots | impl.config_roots
        for field, compiled in impl.expression_fields:
            _check_paths(scope, node_id, field, compiled.paths, config_roots, ancestors)
        _check_input_names(scope, node_id, raw.get("type"), impl, inputs)


def _compile(scope: Scope, node_id: str, field: str, expr: Any) -> Compiled | None:
    try:
        return compile_value(expr)
    except ExpressionInvalid as exc:
        scope.error(node_id, field, exc.message)
        return None


def _check_paths(scope: Scope, node_id: str, field: str, paths: tuple[Path, ...], roots: frozenset[str],
                 ancestors: Ancestors | None) -> None:
    for path in paths:
        if path.root not in roots:
            where = "outside a Loop/Map body" if path.root == "loop" else "here"
            scope.error(node_id, field, f"{path.source}: root `{path.root}` cannot be used {where}; "
                                        f"use one of {sorted(roots)}")
            continue
        if path.root != "nodes":
            continue
        if len(path.segments) < 2 or not isinstance(path.segments[1], str):
            scope.error(node_id, field, f"{path.source}: name a node, as in `$.nodes.<id>.output`")
            continue
        target = path.segments[1]
        if target not in scope.raw_nodes:
            scope.error(node_id, field, f"{path.source}: no node {target!r} in this graph")
        elif target == node_id:
            scope.error(node_id, field, f"{path.source}: a node cannot read its own output")
        elif ancestors is not None and target not in ancestors(node_id):
            scope.error(node_id, field, f"{path.source}: node {target!r} does not run before {node_id!r}")


def _produced_types(scope: Scope, compiled: Compiled) -> frozenset[str]:
    """The JSON types an input expression can produce, when known."""
    if compiled.kind == "template":
        return frozenset({"string"})
    if compiled.kind == "literal":
        return frozenset({type_of(compiled.literal)})
    if compiled.kind in ("object", "list"):
        return frozenset({"object" if compiled.kind == "object" else "array"})
    path = compiled.paths[0]
    producer_schema = _producer_schema(scope, path)
    return declared_types(producer_schema) if producer_schema else frozenset()


def _producer_schema(scope: Scope, path: Path) -> dict[str, Any] | None:
    segments = path.segments
    if path.root == "nodes" and len(segments) >= 3 and segments[2] == "output":
        producer = scope.impls.get(str(segments[1]))
        return subschema_at(producer.output_schema(), segments[3:]) if producer else None
    if path.root == "input":
        start = next((impl for impl in scope.impls.values() if impl.type == "start"), None)
        return subschema_at(start.output_schema(), segments[1:]) if start else None
    return None


def _check_type(scope: Scope, node_id: str, name: str, compiled: Compiled, impl: NodeType) -> None:
    expected = declared_types(property_schema(impl.input_schema(), name))
    produced = _produced_types(scope, compiled)
    if not types_compatible(produced, expected):
        source = compiled.source if isinstance(compiled.source, str) else compiled.kind
        scope.error(node_id, f"inputs.{name}", f"type mismatch: {source!r} gives {'/'.join(sorted(produced))} "
                                               f"but input `{name}` of {impl.type} expects "
                                               f"{'/'.join(sorted(expected))}")


def _check_input_names(scope: Scope, node_id: str, node_type: Any, impl: NodeType, inputs: dict[str, Any]) -> None:
    schema = impl.input_schema()
    if not schema or node_type in _NO_REQUIRED_CHECK:
        return
    for name in schema.get("required", []):
        if name not in inputs:
            scope.error(node_id, f"inputs.{name}", f"required input `{name}` of {impl.type} is not mapped")
    if schema.get("additionalProperties") is False:
        known = set(schema.get("properties", {}))
        for name in inputs:
            if name not in known:
                scope.error(node_id, f"inputs.{name}", f"{impl.type} has no input `{name}`; inputs: {sorted(known)}")
