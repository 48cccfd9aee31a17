"""`CodeRunner` for Code nodes: the built-in `code` tool (bubblewrap sandbox: separate process, no
network, CPU/memory/time limits) through `call_tool`. The node's `limits` map to the tool's config:
`timeout_s` -> wall and CPU seconds, `memory_mb` -> memory (`max_output_bytes` is the sandbox's own cap)."""
from __future__ import annotations

import uuid
from typing import Any

from runtime.agent.context import NullSink
from runtime.events import NullTracer
from runtime.graph.services import ServiceContext
from runtime.store import MemoryLedger
from runtime.tools.executor import call_tool
from workflows.adapters.tools import ProjectToolInvoker

_WALL_RANGE = (0.5, 60.0)
_MEMORY_RANGE = (32, 2048)


def code_tool_config(limits: dict[str, Any]) -> dict[str, Any]:
    """The `code` tool config for a Code node's `limits` (clamped to what the tool accepts)."""
    config: dict[str, Any] = {}
    if limits.get("timeout_s") is not None:
        seconds = min(max(float(limits["timeout_s"]), _WALL_RANGE[0]), _WALL_RANGE[1])
        config.update(wall_s=seconds, cpu_s=seconds)
    if limits.get("memory_mb") is not None:
        config["memory_mb"] = min(max(int(limits["memory_mb"]), _MEMORY_RANGE[0]), _MEMORY_RANGE[1])
    return config


class SandboxCodeRunner:
    def __init__(self, tools: ProjectToolInvoker) -> None:
        self.tools = tools

    def run(self, code: str, input: Any, limits: dict[str, Any], *, ctx: ServiceContext | None = None) -> Any:
        """Run the snippet in the sandbox and return its JSON result (or raise its typed tool error);
        the sandbox is killed at the node attempt's deadline or when its token is cancelled (`ctx`)."""
        tool = self.tools.tool("code", code_tool_config(limits))
        key = f"code:{uuid.uuid4().hex}"  # read-only: nothing to deduplicate
        outcome = call_tool(tool, {"code": code, "input": input}, key=key, ctx=self.tools.tool_context(key, ctx),
                            ledger=MemoryLedger(), sink=NullSink(), tracer=NullTracer())
        return outcome.raise_for_error()["result"]
