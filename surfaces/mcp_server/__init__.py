"""The MCP server at `/mcp/` (streamable HTTP, stateless, bearer = platform API key): the
project's exposed agents and workflows as MCP tools (see docs/mcp-server.md). `app.application`
is the ASGI app."""
