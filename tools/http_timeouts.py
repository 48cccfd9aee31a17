"""A configured HTTP tool's own timeout, applied to its HTTP client.

HTTP tools take the project's `HttpPolicy` from `ctx.services["http_policy"]` (the allow-list and
caps), whose timeout is the project-wide default (30 s). A tool configured with a shorter
`timeout_s` must stop its request then, not just stop waiting for it: this wrapper hands the
tool a copy of the project's policy with the shorter timeout, so the client's own, clear timeout
fires and the connection is closed.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from runtime.tools.base import Tool, ToolContext
from runtime.tools.ssrf import HttpPolicy


class HttpTimeoutTool:
    def __init__(self, tool: Tool, timeout_s: float) -> None:
        self.inner = tool
        self.timeout_s = timeout_s
        self.spec = tool.spec

    def invoke(self, input: dict[str, Any], ctx: ToolContext) -> Any:
        policy = ctx.services.get("http_policy")
        if isinstance(policy, HttpPolicy) and policy.timeout_s > self.timeout_s:
            services = {**ctx.services, "http_policy": dataclasses.replace(policy, timeout_s=self.timeout_s)}
            ctx = dataclasses.replace(ctx, services=services)
        return self.inner.invoke(input, ctx)


def with_http_timeout(tool: Tool, timeout_s: float | None) -> Tool:
    """`tool` bounded by its configured `timeout_s` (unchanged when none is configured)."""
    return HttpTimeoutTool(tool, float(timeout_s)) if timeout_s else tool
