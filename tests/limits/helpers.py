"""Small helpers for limits tests: set limits, read problem answers, seconds to the next UTC midnight."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from limits import services


def set_limits(project, api_key=None, **values):
    return services.set_limits(project=project, api_key=api_key, values=values)


def seconds_to_midnight() -> float:
    now = datetime.now(UTC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - now).total_seconds()


def problem_type(response) -> str:
    return response.json()["type"].rsplit("/", 1)[-1]
