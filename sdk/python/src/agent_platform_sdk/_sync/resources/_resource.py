# Generated from the _async/ twin by scripts/unasync.py: edit that file, not this one.
"""What every resource shares: its client and path-segment quoting."""
from __future__ import annotations

from urllib.parse import quote

from agent_platform_sdk._sync._base import BaseClient


class Resource:
    def __init__(self, client: BaseClient) -> None:
        self._client = client


def segment(value: object) -> str:
    """One path segment, quoted (ids are opaque; names may hold any character)."""
    return quote(str(value), safe="")
