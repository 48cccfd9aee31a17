"""MCP tools over stdio: a server installed from PyPI (`mcp-server-time`) is listed and called;
a hanging call times out and leaves no server process behind."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from runtime.errors import Cancelled, ToolConnectionError, ToolError, ToolTimeout
from runtime.store import CancelFlag
from runtime.tools.mcp import MCPSessionPool, MCPTool, discover_tools
from runtime.tools.mcp_session import MCPServerConfig, MCPSession
from tests.runtime.tools.conftest import make_ctx
from tests.runtime.tools.sandbox_helpers import processes_running

TIME_SERVER = shutil.which("mcp-server-time", path=str(Path(sys.executable).parent))
TEST_SERVER = Path(__file__).with_name("mcp_test_server.py")
needs_time_server = pytest.mark.skipif(TIME_SERVER is None, reason="pip install mcp-server-time")


@pytest.fixture
def pool():
    pool = MCPSessionPool()
    yield pool
    pool.close_all()


def time_server() -> MCPServerConfig:
    return MCPServerConfig(name="clock", command=TIME_SERVER or "", args=("--local-timezone", "UTC"))


@needs_time_server
def test_pypi_server_tools_are_listed_with_their_schemas():
    tools = {t["remote_name"]: t for t in discover_tools(time_server())}
    assert set(tools) == {"get_current_time", "convert_time"}
    assert tools["get_current_time"]["name"] == "clock__get_current_time"
    assert tools["get_current_time"]["input_schema"]["required"] == ["timezone"]
    assert processes_running("mcp-server-time") == []


@needs_time_server
def test_pypi_server_tool_is_called_over_stdio(pool):
    info = next(t for t in discover_tools(time_server()) if t["remote_name"] == "get_current_time")
    tool = MCPTool(time_server(), info, pool=pool)
    out = tool.invoke({"timezone": "Asia/Tokyo"}, make_ctx())
    assert out["structured"]["timezone"] == "Asia/Tokyo"
    assert out["structured"]["datetime"].endswith("+09:00")
    assert '"Asia/Tokyo"' in out["text"]
    assert tool.spec.name == "clock__get_current_time"


@needs_time_server
def test_tool_error_from_the_server_is_a_tool_error(pool):
    tool = MCPTool(time_server(), {"name": "get_current_time"}, pool=pool)
    with pytest.raises(ToolError) as err:
        tool.invoke({"timezone": "Mars/Olympus_Mons"}, make_ctx())
    assert "Mars/Olympus_Mons" in err.value.message


@needs_time_server
def test_session_is_reused_and_closing_stops_the_server(pool):
    tool = MCPTool(time_server(), {"name": "get_current_time"}, pool=pool)
    tool.invoke({"timezone": "UTC"}, make_ctx())
    first = processes_running("mcp-server-time")
    tool.invoke({"timezone": "UTC"}, make_ctx())
    assert processes_running("mcp-server-time") == first and len(first) == 1
    pool.close_all()
    assert processes_running("mcp-server-time") == []


def test_hanging_call_times_out_and_leaves_no_process():
    config = MCPServerConfig(name="t", command=sys.executable, args=(str(TEST_SERVER),), timeout_s=1.0)
    session = MCPSession(config)
    try:
        assert session.call_tool("echo", {"text": "hi"}).content[0].text == "hi"
        assert len(processes_running(str(TEST_SERVER))) == 1
        with pytest.raises(ToolTimeout):
            session.call_tool("hang", {})
        assert processes_running(str(TEST_SERVER)) == []
        assert session.call_tool("echo", {"text": "again"}).content[0].text == "again"  # reconnects
    finally:
        session.close()
    assert processes_running(str(TEST_SERVER)) == []


def test_unknown_command_is_a_connection_error():
    session = MCPSession(MCPServerConfig(name="ghost", command="/nonexistent/mcp-server"))
    with pytest.raises(ToolConnectionError):
        session.list_tools()


def test_server_that_exits_at_once_is_a_connection_error_with_its_stderr():
    config = MCPServerConfig(name="dies", command=sys.executable,
                             args=("-c", "import sys; sys.stderr.write('boom: missing config\\n'); sys.exit(3)"),
                             connect_timeout_s=10)
    with pytest.raises(ToolConnectionError) as err:
        MCPSession(config).list_tools()
    assert "boom: missing config" in err.value.message


def test_cancelled_call_stops_and_leaves_no_process():
    cancel = CancelFlag()
    cancel.cancel()
    config = MCPServerConfig(name="t", command=sys.executable, args=(str(TEST_SERVER),), timeout_s=30.0)
    session = MCPSession(config)
    try:
        with pytest.raises(Cancelled):
            session.call_tool("hang", {}, cancel=cancel)
        assert processes_running(str(TEST_SERVER)) == []
    finally:
        session.close()
