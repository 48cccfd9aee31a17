"""Reads for tools."""
from __future__ import annotations


def tool_exists(project, name: str) -> bool:
    from tools import custom

    return custom.lookup(project, name, secrets={}) is not None
