"""Reads for knowledge bases."""
from __future__ import annotations


def knowledge_base_exists(project, ref: str) -> bool:
    return False
