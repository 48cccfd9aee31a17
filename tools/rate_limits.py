"""Per-project tool rate limits (`rate_limit_per_min`), counted in Redis so every API process
and worker shares them.

A sliding window approximated from two fixed one-minute counters (the previous minute's count
weighted by how much of it still overlaps the last 60 s, plus the current minute's): smooth at
window edges, two keys per tool, one round trip. A refused call is not counted. The check runs
inside `invoke`, before the tool's own work, so `call_tool` records the refusal like any tool
error (`tool_rate_limited`, retryable) and the playground answers 429.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import redis

from agent_platform.redis_client import redis_client
from runtime.errors import ToolError, ToolRateLimited
from runtime.tools.base import Tool, ToolContext

WINDOW_S = 60


class RateLimiter:
    """Counts calls per (project, tool) in Redis."""

    def __init__(self, client: Callable[[], redis.Redis] = redis_client, clock: Callable[[], float] = time.time,
                 prefix: str = "tool-rate") -> None:
        self.client = client
        self.clock = clock
        self.prefix = prefix

    def acquire(self, project_id: str, tool: str, limit: int) -> None:
        """Count one call, or raise `ToolRateLimited` (with `retry_after_s`) if it would exceed `limit`."""
        now = self.clock()
        window, into = divmod(now, WINDOW_S)
        current = f"{self.prefix}:{project_id}:{tool}:{int(window)}"
        previous = f"{self.prefix}:{project_id}:{tool}:{int(window) - 1}"
        try:
            pipe = self.client().pipeline()
            pipe.incr(current)
            pipe.expire(current, 2 * WINDOW_S)
            pipe.get(previous)
            count, _, before = pipe.execute()
            weight = 1 - into / WINDOW_S
            if count + int(before or 0) * weight <= limit:
                return
            self.client().decr(current)
        except redis.RedisError as exc:
            raise ToolError(f"the rate limiter is unavailable: {type(exc).__name__}", reason="rate_limiter") from exc
        retry_after = max(1, math.ceil(WINDOW_S - into))
        raise ToolRateLimited(f"{tool} is limited to {limit} calls per minute in this project; "
                              f"retry in about {retry_after} s", limit=limit, retry_after_s=retry_after)


default_limiter = RateLimiter()


class RateLimitedTool:
    """A tool whose calls are counted against its spec's `rate_limit_per_min` first."""

    def __init__(self, tool: Tool, limiter: RateLimiter | None = None) -> None:
        self.inner = tool
        self.spec = tool.spec
        self.limiter = limiter or default_limiter

    def invoke(self, input: dict[str, Any], ctx: ToolContext) -> Any:
        limit = self.spec.rate_limit_per_min
        if limit:
            self.limiter.acquire(ctx.project_id or "_", self.spec.name, limit)
        return self.inner.invoke(input, ctx)


def rate_limited(tool: Tool) -> Tool:
    """`tool` wrapped in its rate limit, if its spec has one."""
    if tool.spec.rate_limit_per_min and not isinstance(tool, RateLimitedTool):
        return RateLimitedTool(tool)
    return tool
