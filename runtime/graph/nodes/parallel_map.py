"""Map: runs its body graph once per item of the `items` input, at most `concurrency` at a time.
Each body sees `$.loop.item` and `$.loop.index`, and the other inputs as `$.input`. The output is
the list of the bodies' outputs, in item order. A failed item fails the node (after the items
already started finish); items waiting for human input make the node wait."""
from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from runtime.errors import WaitingForInput
from runtime.graph.context import NodeContext, ScopeWaiting
from runtime.graph.nodes import register
from runtime.graph.nodes.base import object_schema
from runtime.graph.nodes.body import BODY_SCHEMA, BodyNode


@dataclass
class MapConfig:
    body: dict[str, Any]
    concurrency: int = 4


@register
class MapNode(BodyNode):
    type = "map"
    config_schema = object_schema({"body": BODY_SCHEMA, "concurrency": {"type": "integer", "minimum": 1,
                                                                        "maximum": 64}},
                                  ["body"], additional=False)
    Config = MapConfig

    def __init__(self, node_id: str, config: dict[str, Any]) -> None:
        super().__init__(node_id, config)

    def input_schema(self) -> dict[str, Any] | None:
        return object_schema({"items": {"type": "array"}}, ["items"])

    def runtime_input_schema(self) -> dict[str, Any] | None:
        return self.input_schema()

    def output_schema(self) -> dict[str, Any] | None:
        item = self.body_output_schema()
        return {"type": "array", **({"items": item} if item else {})}

    def execute(self, inputs: dict[str, Any], ctx: NodeContext) -> list[Any]:
        items = inputs["items"]
        shared = {k: v for k, v in inputs.items() if k != "items"}

        def run_item(index: int) -> Any:
            return ctx.run_body(self.body, key=f"[{index}]", input=shared,
                                loop={"index": index, "item": items[index]})

        workers = min(self.config.concurrency, len(items))
        if workers <= 1:
            return _gather([_attempt(run_item, i) for i in range(len(items))])
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"map:{ctx.path}") as pool:
            futures = [pool.submit(contextvars.copy_context().run, _attempt, run_item, i) for i in range(len(items))]
            return _gather([f.result() for f in futures])


def _attempt(run_item: Any, index: int) -> tuple[str, Any]:
    try:
        return "ok", run_item(index)
    except WaitingForInput as waiting:
        return "waiting", waiting
    except Exception as exc:  # noqa: BLE001 - collected, then the first failure in item order is raised
        return "failed", exc


def _gather(results: list[tuple[str, Any]]) -> list[Any]:
    failures = [value for kind, value in results if kind == "failed"]
    if failures:
        raise failures[0]
    prompts = [p for kind, value in results if kind == "waiting"
               for p in (value.prompts if isinstance(value, ScopeWaiting) else [value.prompt])]
    if prompts:
        raise ScopeWaiting(prompts)
    return [value for _, value in results]
