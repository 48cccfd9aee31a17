"""A stdio MCP server whose tools depend on its environment (`TOOLSET=a|b`), to show that a
PATCH of an MCP server's configuration re-lists its tools."""
from __future__ import annotations

import os

from mcp.server.mcpserver import MCPServer


def build_server() -> MCPServer:
    server = MCPServer("toolset", log_level="ERROR")
    if os.environ.get("TOOLSET") == "b":
        @server.tool()
        def beta(text: str) -> str:
            """Tool of set b."""
            return text
    else:
        @server.tool()
        def alpha(text: str) -> str:
            """Tool of set a."""
            return text
    return server


if __name__ == "__main__":
    build_server().run()
