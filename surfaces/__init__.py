"""Developer surfaces over the runs API: an OpenAI-compatible endpoint (`/v1/…`) and an MCP
server (`/mcp/`). Both are bare ASGI apps routed in `agent_platform/asgi.py`; every request
is an ordinary run made by `runs.services.create_run` and followed through the run event log
(`runs.streaming`), so it is visible, traced and costed like any other."""
