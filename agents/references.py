"""Checks that an agent version's references (tools, knowledge bases) exist in its project."""
from __future__ import annotations

from agent_platform.service_errors import ServiceError
from runs.model_refs import check_model_refs

BUILTIN_TOOLS = ("http", "kv", "code", "retrieval")


def validate_references(project, body: dict) -> None:
    """Model refs first (a 422 naming `model` / `fallbacks[i]`), then tools and knowledge bases (400)."""
    refs = {"model": body.get("model"), **{f"fallbacks[{index}]": ref for index, ref in enumerate(body.get("fallbacks", []))}}
    check_model_refs(project, refs, message="The agent version names a model provider that is not configured.")
    errors: dict[str, list[str]] = {}
    for index, ref in enumerate(body.get("tools", [])):
        name = ref if isinstance(ref, str) else ref["name"]
        if name not in BUILTIN_TOOLS and not _custom_tool_exists(project, name):
            errors[f"tools[{index}]"] = [f"unknown tool {name!r}"]
        elif isinstance(ref, dict) and ref.get("version") is not None and not _custom_tool_version_exists(
                project, name, ref["version"]):
            errors[f"tools[{index}].version"] = [f"tool {name!r} has no version {ref['version']}"]
    for index, item in enumerate(body.get("knowledge", [])):
        if not _knowledge_base_exists(project, item["knowledge_base"]):
            errors[f"knowledge[{index}].knowledge_base"] = [f"unknown knowledge base {item['knowledge_base']!r}"]
    if errors:
        raise ServiceError("The agent version references unknown objects.", errors=errors, code="unknown_reference")


def _custom_tool_exists(project, name: str) -> bool:
    from tools import selectors as tool_selectors

    return tool_selectors.tool_exists(project, name)


def _custom_tool_version_exists(project, name: str, version: int) -> bool:
    from runtime.errors import ToolNotFound
    from tools import custom

    try:
        return custom.lookup(project, name, secrets={}, version=version) is not None
    except ToolNotFound:
        return False


def _knowledge_base_exists(project, ref: str) -> bool:
    from rag import selectors as rag_selectors

    return rag_selectors.knowledge_base_exists(project, ref)
