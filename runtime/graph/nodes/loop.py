"""Loop: runs its body graph again and again while `condition` holds (checked before each
iteration), at most `max_iterations` times. The condition sees the state plus `$.inputs` and
`$.loop.index` / `$.loop.last` (the previous iteration's output); the body sees its input (the
loop's inputs) and `$.loop`. Output: the last iteration's output, or the list of all of them.
Reaching the maximum while the condition still holds fails the node (`on_max: fail`) or ends the loop."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runtime.errors import LoopLimitExceeded
from runtime.graph.context import NodeContext
from runtime.graph.nodes import register
from runtime.graph.nodes.base import NodeResult, object_schema
from runtime.graph.nodes.body import BODY_SCHEMA, BodyNode


@dataclass
class LoopConfig:
    body: dict[str, Any]
    condition: Any = True
    max_iterations: int = 10
    on_max: str = "fail"  # "fail" | "stop"
    output: str = "last"  # "last" | "list"


@register
class LoopNode(BodyNode):
    type = "loop"
    config_schema = object_schema({"body": BODY_SCHEMA, "condition": {},
                                   "max_iterations": {"type": "integer", "minimum": 1, "maximum": 100000},
                                   "on_max": {"enum": ["fail", "stop"]}, "output": {"enum": ["last", "list"]}},
                                  ["body", "max_iterations"], additional=False)
    Config = LoopConfig
    config_roots = frozenset({"loop"})  # the condition reads $.loop.index / $.loop.last

    def __init__(self, node_id: str, config: dict[str, Any]) -> None:
        super().__init__(node_id, config)
        self._condition = self.compile_field("config.condition", self.config.condition, "condition")

    def output_schema(self) -> dict[str, Any] | None:
        item = self.body_output_schema()
        if self.config.output == "list":
            return {"type": "array", **({"items": item} if item else {})}
        return item

    def execute(self, inputs: dict[str, Any], ctx: NodeContext) -> NodeResult:
        cfg = self.config
        outputs: list[Any] = []
        last: Any = None
        index = 0
        scope = ctx.with_inputs(inputs)
        while True:
            scope["loop"] = {"index": index, "last": last}
            if not self._condition.evaluate(scope):
                break
            if index >= cfg.max_iterations:
                if cfg.on_max == "fail":
                    raise LoopLimitExceeded(f"loop {ctx.path} still running after {cfg.max_iterations} iterations",
                                            max_iterations=cfg.max_iterations)
                break
            last = ctx.run_body(self.body, key=f"[{index}]", input=inputs, loop={"index": index, "last": last})
            if cfg.output == "list":
                outputs.append(last)
            index += 1
        return NodeResult(outputs if cfg.output == "list" else last, extra={"iterations": index})
