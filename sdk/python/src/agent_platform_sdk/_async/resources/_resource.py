"""What every resource shares: its client and path-segment quoting."""
from __future__ import annotations

from urllib.parse import quote

from agent_platform_sdk._async._base import AsyncBaseClient


class AsyncResource:
    def __init__(self, client: AsyncBaseClient) -> None:
        self._client = client


def segment(value: object) -> str:
    """One path segment, quoted (ids are opaque; names may hold any character)."""
    return quote(str(value), safe="")
