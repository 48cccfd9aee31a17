"""Which commands a stdio MCP server may run: only those the operator lists in
`PLATFORM_MCP_STDIO_COMMANDS` (comma-separated, matched exactly against the server's `command`;
`*` allows any — local development only). Empty (the default): no stdio server may be
registered, refreshed or used, whatever a project admin configures.

A stdio server is a program the workers run on their own hosts, unsandboxed, so this is an
operator decision, not a project one (docs/security.md)."""
from __future__ import annotations

from django.conf import settings

from runtime.errors import ToolRefused


def stdio_command_allowed(command: str) -> bool:
    allowed = [c for c in settings.PLATFORM_MCP_STDIO_COMMANDS if c]
    return "*" in allowed or command in allowed


def check_stdio_command(command: str) -> None:
    """Raise `ToolRefused` (reason `stdio_command_not_allowed`) unless the operator allows `command`."""
    if not stdio_command_allowed(command):
        raise ToolRefused(f"stdio MCP command {command[:200]!r} is not in the operator's allow-list "
                          "(PLATFORM_MCP_STDIO_COMMANDS)", reason="stdio_command_not_allowed", field="command")
