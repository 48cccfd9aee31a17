"""The tool playground: one call of a built-in or custom tool outside a run, with every
protection a run has (input/output validation, SSRF policy, sandbox, timeouts, retries, rate
limits, secret redaction), through `call_tool` with an in-memory ledger.

A tool that requires approval runs only when the caller says `approve: true`: invoking it by
hand is then the human decision, recorded in the call's ledger as in a run. The call gets only
the secrets the tool references (its `secret_refs`, `{secret:NAME}` in a built-in's per-call
config, an MCP server's env/headers); outputs and errors go through the project's redactor, as
a run's events do.
"""
from __future__ import annotations

import json
import uuid
from typing import Any

from accounts.redaction_policy import redactor_for
from accounts.services import reveal_secrets
from agent_platform.service_errors import InvalidField, ObjectNotFound, StateConflict
from runtime.agent.context import NullSink
from runtime.errors import ToolError, ToolInputInvalid
from runtime.events import NullTracer
from runtime.store import MemoryLedger
from runtime.tools.base import Tool, ToolContext
from runtime.tools.executor import ToolOutcome, call_tool
from runtime.tools.mcp_session import MCPServerConfig, referenced_secret_names
from runtime.tools.registry import BUILTIN_NAMES
from runtime.tools.secret_templates import PLACEHOLDER
from tools.resolution import resolve_tool, tool_services
from tools.selectors import find_custom_tool


def playground_tool(project, ref: str, config: dict[str, Any] | None = None) -> Tool:
    """The tool `ref` names (a built-in name, or a custom tool's id or name), configured by `config`
    (built-ins only), wrapped in its rate limit. Raises 404 / a 400 naming `config`."""
    if ref in BUILTIN_NAMES:
        name = ref
    else:
        custom = find_custom_tool(project, ref)
        if custom is None:
            raise ObjectNotFound(f"Tool {ref!r} not found.")
        if config:
            raise InvalidField("config", "only built-in tools take a per-call config")
        name = custom.name
    try:
        return resolve_tool(project, name, config=config or None)
    except ToolInputInvalid as exc:
        raise InvalidField(str(exc.details.get("field") or "config"), exc.message) from None
    except ToolError as exc:
        raise ObjectNotFound(exc.message) from None


def invoke_tool(*, project, tool: Tool, input: Any, approve: bool = False,
                config: dict[str, Any] | None = None) -> ToolOutcome:
    """Run one call of `tool` for `project` and return its outcome (errors are in the outcome).
    `config`: the per-call config the built-in was made with (its secret placeholders count)."""
    key = f"playground:{uuid.uuid4().hex}"
    ledger = MemoryLedger()
    if tool.spec.requires_approval:
        if not approve:
            raise StateConflict(f"{tool.spec.name} requires approval: send approve: true to run this call",
                                field="approve", code="approval_required")
        ledger.record_result(f"approval:{key}", {"approved": True, "reason": "approved in the tool playground"})
    secrets = reveal_secrets(project, referenced_secrets(tool, config))
    ctx = ToolContext(idempotency_key=key, project_id=str(project.pk), secrets=secrets,
                      services=tool_services(project))
    outcome = call_tool(tool, input, key=key, ctx=ctx, ledger=ledger, sink=NullSink(), tracer=NullTracer())
    # As a run's events would show it: the project's redaction policy.
    redactor = redactor_for(project)
    outcome.output = redactor.data(outcome.output, ("output",))
    outcome.error = redactor.data(outcome.error, ("error",)) if outcome.error is not None else None
    return outcome


def referenced_secrets(tool: Tool, config: dict[str, Any] | None = None) -> list[str]:
    """Names of the secrets one call of `tool` may use: its spec's `secret_refs`, the
    `{secret:NAME}` placeholders of a built-in's per-call `config`, an MCP server's env/headers."""
    names = set(tool.spec.secret_refs)
    if config:
        names |= {m.group(2) for m in PLACEHOLDER.finditer(json.dumps(config)) if m.group(1)}
    while hasattr(tool, "inner"):  # rate-limit, timeout and spec wrappers
        tool = tool.inner
    server = getattr(tool, "server", None)
    if isinstance(server, MCPServerConfig):
        names |= set(referenced_secret_names(server))
    return sorted(names)
