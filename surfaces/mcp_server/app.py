"""The `/mcp/` ASGI app: a bearer-key gate in front of the official `mcp` SDK's streamable-HTTP
session manager, stateless (no `Mcp-Session-Id`: any server process can answer any request).

Daphne sends no ASGI lifespan events, so the manager's task group is started on the first
request and lives as long as the process."""
from __future__ import annotations

import asyncio
import json

from mcp.server.lowlevel.server import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

from surfaces.access import caller_for
from surfaces.mcp_server.tools import CALLER_SCOPE_KEY, call_tool, list_tools

PATHS = ("/mcp", "/mcp/")
server = Server("agent-platform", version="1", instructions="The agents and workflows of this project, as tools.",
                on_list_tools=list_tools, on_call_tool=call_tool)


def handles(path: str) -> bool:
    return path in PATHS


class _ManagerHolder:
    """Owns the session manager's `run()` context in one long-lived task."""

    def __init__(self) -> None:
        self.manager: StreamableHTTPSessionManager | None = None
        self._ready: asyncio.Event | None = None
        self._task: asyncio.Task | None = None

    async def get(self) -> StreamableHTTPSessionManager:
        if self._ready is None:
            self._ready = asyncio.Event()
            self._task = asyncio.ensure_future(self._hold(self._ready))
        await self._ready.wait()
        assert self.manager is not None
        return self.manager

    async def _hold(self, ready: asyncio.Event) -> None:
        # DNS-rebinding protection is for ambient credentials (cookies); every request here carries a
        # bearer key, so the Host check is left to the deployment's proxy and ALLOWED_HOSTS elsewhere.
        self.manager = StreamableHTTPSessionManager(app=server, stateless=True)
        async with self.manager.run():
            ready.set()
            await asyncio.Event().wait()


_holder = _ManagerHolder()


async def application(scope, receive, send) -> None:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
    caller = await caller_for(headers.get("authorization", ""))
    if caller is None:
        body = json.dumps({"jsonrpc": "2.0", "id": None, "error": {
            "code": -32001, "message": "Send 'Authorization: Bearer <platform API key>'."}}).encode()
        await send({"type": "http.response.start", "status": 401, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"www-authenticate", b'Bearer realm="mcp"')]})
        await send({"type": "http.response.body", "body": body})
        return
    manager = await _holder.get()
    await manager.handle_request({**scope, CALLER_SCOPE_KEY: caller}, receive, send)
