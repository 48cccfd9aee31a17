"""The MCP handlers: `tools/list` and `tools/call`. A call starts an ordinary run
(`runs.services.create_run`), reports its events as progress notifications, and answers with the
run's output (as `structuredContent` too when the target declares an output schema). When the
client cancels (it closes the response stream), the run is cancelled."""
from __future__ import annotations

import asyncio
import json
from typing import Any

import mcp_types as types
from rest_framework.exceptions import APIException

from agent_platform.service_errors import ServiceError
from surfaces import runs_bridge
from surfaces.access import Caller
from surfaces.db import db_call
from surfaces.mcp_server.exposure import ExposedTool, exposed_tools, find_tool

CALLER_SCOPE_KEY = "platform.caller"  # set on the ASGI scope by the auth gate (app.py)
TERMINAL = frozenset({"run.succeeded", "run.failed", "run.cancelled", "run.timed_out"})
_PROGRESS_EVENTS = frozenset({"run.started", "node.started", "node.completed", "model.completed", "tool.started",
                              "tool.completed", "retrieval.completed", "run.waiting", "run.resumed"})


def caller_of(ctx) -> Caller:
    caller = ctx.request.scope.get(CALLER_SCOPE_KEY) if ctx.request is not None else None
    if caller is None:  # the gate lets no request through without one
        raise PermissionError("no authenticated caller")
    return caller


def _object_schema(schema: dict | None) -> dict | None:
    return schema if isinstance(schema, dict) and schema.get("type") == "object" else None


def _tool(tool: ExposedTool) -> types.Tool:
    target = tool.target
    what = "agent" if target.ref.kind == "agent" else "workflow"
    description = target.description or f"Run the {what} {target.definition.name!r}."
    return types.Tool(name=tool.name, title=target.definition.name,
                      description=f"{description} (runs {target.label})",
                      input_schema=target.input_schema if target.input_schema.get("type") == "object"
                      else {"type": "object", **target.input_schema},
                      output_schema=_object_schema(target.output_schema))


async def list_tools(ctx, params) -> types.ListToolsResult:
    caller = caller_of(ctx)
    tools = await db_call(exposed_tools)(caller.project)
    return types.ListToolsResult(tools=[_tool(tool) for tool in tools])


def _error(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(text=message)], is_error=True)


def _progress_message(event: dict) -> str:
    data = event.get("data") or {}
    detail = data.get("tool") or data.get("name") or event.get("node_id") or ""
    return f"{event['type']} {detail}".strip()


async def call_tool(ctx, params: types.CallToolRequestParams) -> types.CallToolResult:
    caller = caller_of(ctx)
    if not caller.may("write_project"):
        return _error("This API key may not start runs (it needs the developer role or above).")
    tool = await db_call(find_tool)(caller.project, params.name)
    if tool is None:
        return _error(f"Unknown tool {params.name!r}.")
    try:
        run = await runs_bridge.start_run(caller, tool.target, dict(params.arguments or {}), {"surface": "mcp"})
    except (ServiceError, APIException) as exc:
        return _error(_refusal_text(exc))
    try:
        await _follow(ctx, caller, run.pk)
    except (asyncio.CancelledError, Exception):
        # The client cancelled (closed the stream) or the stream broke: nobody will read the answer.
        await asyncio.shield(runs_bridge.cancel_run(run.pk))
        raise
    finished = await runs_bridge.finished_run(run.pk)
    return _result(tool, finished)


async def _follow(ctx, caller: Caller, run_id: str) -> None:
    events = await runs_bridge.run_events(caller, run_id)
    try:
        async for event in events:
            if event is None:
                continue
            if event["type"] in _PROGRESS_EVENTS:
                await ctx.session.report_progress(float(event["seq"]), None, _progress_message(event))
            if event["type"] in TERMINAL:
                return
    finally:
        await events.aclose()


def _refusal_text(exc: Exception) -> str:
    errors: dict[str, Any] = getattr(exc, "errors", None) or {}
    detail = str(getattr(exc, "detail", None) or getattr(exc, "message", None) or exc)
    fields = "; ".join(f"{field}: {messages[0]}" for field, messages in errors.items() if messages)
    return f"{detail} ({fields})" if fields else detail


def _result(tool: ExposedTool, run) -> types.CallToolResult:
    meta = {"run_id": run.pk, "status": run.status}
    if run.status != "succeeded":
        error = run.error or {}
        return types.CallToolResult(content=[types.TextContent(
            text=f"The run {run.pk} {run.status}: {error.get('message') or error.get('type') or run.status}")],
            is_error=True, _meta=meta)
    output = run.output
    if isinstance(output, dict) and set(output) == {"text"} and isinstance(output["text"], str):
        text = output["text"]
    else:
        text = json.dumps(output, ensure_ascii=False)
    structured = output if _object_schema(tool.target.output_schema) and isinstance(output, dict) else None
    return types.CallToolResult(content=[types.TextContent(text=text)], structured_content=structured,
                                _meta=meta)
