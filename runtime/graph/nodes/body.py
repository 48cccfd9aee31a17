"""What Loop and Map share: a nested graph (`config.body`), compiled with the node by the graph
compiler (`runtime.graph.compiled.build_node`, so this module does not import the compiler that
imports the node registry), whose compile errors are reported under the parent's id
(`loop1/inner_node`, `nested_errors`)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from runtime.errors import GraphInvalid
from runtime.graph.nodes.base import NodeType

if TYPE_CHECKING:
    from runtime.graph.compiled import CompiledGraph

BODY_SCHEMA = {"type": "object", "required": ["nodes"],
               "properties": {"nodes": {"type": "array"}, "edges": {"type": "array"}, "vars": {"type": "object"}}}


class BodyNode(NodeType):
    """Base of node types that run a nested graph."""

    has_body = True
    body: CompiledGraph

    def bodies(self) -> dict[str, dict[str, Any]]:
        return {"config.body": self.config.body}

    def body_output_schema(self) -> dict[str, Any] | None:
        """The declared output of the body's End node, if there is exactly one End declaring it."""
        ends = [n for n in self.body.nodes if n.is_end]
        return ends[0].impl.output_schema() if len(ends) == 1 else None


def nested_errors(parent: str, exc: GraphInvalid) -> GraphInvalid:
    """A body's compile errors, named under its parent node."""
    return GraphInvalid([_nest(parent, e) for e in exc.errors])


def _nest(parent: str, error: Any) -> dict[str, Any]:
    error = error.to_dict() if hasattr(error, "to_dict") else dict(error)
    inner = error.get("node_id")
    return {**error, "node_id": f"{parent}/{inner}" if inner else parent,
            "field": error.get("field") if inner else f"config.body.{error.get('field')}"}
