"""Writes for custom tools: definitions, immutable versions, OpenAPI import.
(MCP servers and their refresh live in tools/mcp_services.py.)"""
from __future__ import annotations

import dataclasses
import re

from django.db import transaction

from agent_platform.definitions import services as definitions
from agent_platform.service_errors import InvalidField, StateConflict
from runtime.tools.openapi import OpenAPIError, base_url_of, list_operations, load_document
from runtime.tools.registry import BUILTIN_NAMES
from tools.models import CUSTOM_TOOLS, HTTP, MCP, OPENAPI, CustomTool, CustomToolVersion
from tools.spec import NAME_PATTERN, RESERVED_NAMES, validate_tool_body

_NAME = re.compile(NAME_PATTERN)


def check_tool_name(name: str, field: str = "name") -> None:
    """A usable custom tool name: [A-Za-z0-9_-]{1,64}, not a built-in's, not reserved."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidField(field, f"{name!r} is not a tool name: use 1-64 letters, digits, '_' or '-'")
    if name in BUILTIN_NAMES or name in RESERVED_NAMES:
        raise InvalidField(field, f"{name!r} is the name of a built-in tool or reserved")


def create_custom_tool(*, project, name: str, description: str = "", kind: str = HTTP, body: dict | None = None,
                       created_by=None, mcp_server=None) -> tuple[CustomTool, CustomToolVersion | None]:
    """Create a custom tool and, when `body` is given, its first version (in one transaction)."""
    check_tool_name(name)
    normalised = validate_tool_body(kind, body) if body is not None else None
    with transaction.atomic():
        tool = definitions.create_definition(CUSTOM_TOOLS, project=project, name=name, description=description,
                                             kind=kind, mcp_server=mcp_server)
        version = None
        if normalised is not None:
            version, _ = definitions.store_version(CUSTOM_TOOLS, tool, normalised, created_by=created_by)
    return tool, version


def update_custom_tool(*, tool: CustomTool, **fields) -> CustomTool:
    """Change the mutable fields (name, description)."""
    if "name" in fields:
        check_tool_name(fields["name"])
    return definitions.update_definition(CUSTOM_TOOLS, tool, **fields)


def delete_custom_tool(*, tool: CustomTool) -> None:
    definitions.delete_definition(CUSTOM_TOOLS, tool)


def validate_version_body(tool: CustomTool, body: dict) -> dict:
    """The custom-tool kind's body rule (CUSTOM_TOOLS.validate_body): the tool kind's shape, and an
    MCP tool stays on its server."""
    body = validate_tool_body(tool.kind, body)
    if tool.kind == MCP and body["server"] != tool.mcp_server_id:
        raise InvalidField("server", "an MCP tool stays on the server it was listed from")
    return body


def create_tool_version(*, tool: CustomTool, body: dict, created_by=None) -> tuple[CustomToolVersion, bool]:
    """Validate and store a new immutable version; an identical body returns the existing one."""
    return definitions.create_version(CUSTOM_TOOLS, tool, body, created_by=created_by)


def import_openapi(*, project, document, base_url: str | None = None, operations: list[str] | None = None,
                   prefix: str = "", headers: dict[str, str] | None = None, created_by=None) -> list[CustomTool]:
    """One custom tool (kind `openapi`, version 1) per chosen operation of an OpenAPI 3 document
    (JSON or YAML text); all of them or none."""
    try:
        doc = load_document(document)
        found = list_operations(doc)
    except OpenAPIError as exc:
        raise InvalidField("document", str(exc)) from None
    base = base_url or base_url_of(doc)
    if not base:
        raise InvalidField("base_url", "the document has no absolute server URL: give base_url")
    chosen = set(operations) if operations else None
    selected = [op for op in found if chosen is None or op.name in chosen or op.operation_id in chosen]
    missing = (chosen or set()) - {op.name for op in selected} - {op.operation_id for op in selected}
    if missing:
        raise InvalidField("operations", f"not in the document: {', '.join(sorted(map(str, missing)))}")
    if not selected:
        raise InvalidField("document", "the document has no operations")
    tools = []
    with transaction.atomic():
        for op in selected:
            name = f"{prefix}{op.name}"
            check_tool_name(name, field="prefix" if prefix else "operations")
            operation = dataclasses.asdict(op)
            operation["parameters"] = list(operation["parameters"])
            body = {"operation": operation, "base_url": base, "headers": dict(headers or {})}
            try:
                tool, _ = create_custom_tool(project=project, name=name, description=op.summary or op.name,
                                             kind=OPENAPI, body=body, created_by=created_by)
            except StateConflict:
                raise StateConflict(f"a tool named {name!r} already exists: import with another prefix",
                                    field="prefix") from None
            tools.append(tool)
    return tools
