"""MCP tools over streamable HTTP, through the SSRF guard (a real uvicorn server on 127.0.0.1)."""
from __future__ import annotations

import socket
import threading

import pytest
import uvicorn

from runtime.errors import ToolRefused
from runtime.tools.mcp import MCPSessionPool, MCPTool, discover_tools
from runtime.tools.mcp_session import MCPServerConfig
from runtime.tools.ssrf import HttpPolicy
from tests.runtime.tools.conftest import LOOPBACK, make_ctx
from tests.runtime.tools.mcp_test_server import build_server


@pytest.fixture(scope="module")
def mcp_url():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)  # connections queue here until uvicorn accepts: no start-up race
    config = uvicorn.Config(build_server().streamable_http_app(), log_level="error", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/mcp"
    server.should_exit = True
    thread.join(10)
    sock.close()


def test_http_server_tools_are_listed_and_called_when_allow_listed(mcp_url):
    server = MCPServerConfig(name="remote", url=mcp_url, timeout_s=10)
    tools = {t["remote_name"]: t for t in discover_tools(server, policy=LOOPBACK)}
    assert {"echo", "hang"} <= set(tools)
    pool = MCPSessionPool()
    try:
        out = MCPTool(server, tools["echo"], pool=pool).invoke({"text": "over http"}, make_ctx(policy=LOOPBACK))
        assert out["text"] == "over http"
    finally:
        pool.close_all()


def test_http_server_on_loopback_is_refused_without_allow_list(mcp_url):
    with pytest.raises(ToolRefused):
        discover_tools(MCPServerConfig(name="remote", url=mcp_url), policy=HttpPolicy())
