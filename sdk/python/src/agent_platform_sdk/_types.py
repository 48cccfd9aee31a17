"""Small shared types: the `NOT_GIVEN` sentinel (an argument left out, as opposed to None)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx


class NotGiven:
    """An argument that was not passed (None may be a meaningful value, e.g. `timeout=None`)."""

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = NotGiven()
TimeoutTypes = float | httpx.Timeout | None
Query = Mapping[str, Any]
Body = dict[str, Any]
Headers = Mapping[str, str] | None


def strip_not_given(values: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments that were given (drop NOT_GIVEN; keep None, which the API may accept)."""
    return {key: value for key, value in values.items() if not isinstance(value, NotGiven)}


def query_params(values: Mapping[str, Any]) -> dict[str, Any]:
    """Query parameters: drop NOT_GIVEN and None, render booleans the way the API reads them."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, NotGiven) or value is None:
            continue
        out[key] = ("true" if value else "false") if isinstance(value, bool) else value
    return out
