"""Join: where parallel branches meet. `wait: all` runs once every incoming edge is resolved
(branches not taken count as skipped), `wait: any` on the first that arrives. The output merges
the arrived upstream outputs: `object` (by node id), `list` (in edge order) or `first`."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runtime.graph.context import NodeContext
from runtime.graph.nodes import register
from runtime.graph.nodes.base import NodeType, object_schema


@dataclass
class JoinConfig:
    wait: str = "all"  # "all" | "any"
    merge: str = "object"  # "object" | "list" | "first"


@register
class JoinNode(NodeType):
    type = "join"
    config_schema = object_schema({"wait": {"enum": ["all", "any"]},
                                   "merge": {"enum": ["object", "list", "first"]}}, additional=False)
    Config = JoinConfig

    def __init__(self, node_id: str, config: dict[str, Any]) -> None:
        super().__init__(node_id, config)
        self._edge_order: dict[str, int] = {}

    def on_linked(self, source_ids: tuple[str, ...]) -> None:
        for position, source in enumerate(source_ids):
            self._edge_order.setdefault(source, position)

    def output_schema(self) -> dict[str, Any] | None:
        return {"object": {"type": "object"}, "list": {"type": "array"}}.get(self.config.merge)

    def execute(self, inputs: dict[str, Any], ctx: NodeContext) -> Any:
        arrived = list(ctx.sources)
        if self.config.merge == "first":
            return _output(ctx, arrived[0]) if arrived else None
        arrived.sort(key=lambda src: self._edge_order.get(src, 0))
        if self.config.merge == "list":
            return [_output(ctx, src) for src in arrived]
        return {src: _output(ctx, src) for src in arrived}


def _output(ctx: NodeContext, node_id: str) -> Any:
    record = ctx.record_of(node_id)
    return record.get("output") if record else None
