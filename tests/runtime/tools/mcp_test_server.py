"""A small MCP server written with the SDK, for behaviours a PyPI server cannot show on demand
(a tool that hangs; a streamable-HTTP endpoint). Run as a script it serves over stdio."""
from __future__ import annotations

import anyio
from mcp.server.mcpserver import MCPServer


def build_server() -> MCPServer:
    server = MCPServer("test-tools", log_level="ERROR")

    @server.tool()
    def echo(text: str) -> str:
        """Return the text unchanged."""
        return text

    @server.tool()
    async def hang() -> str:
        """Never answers (waits on an event nobody sets)."""
        await anyio.Event().wait()
        return "unreachable"

    return server


if __name__ == "__main__":
    build_server().run()
