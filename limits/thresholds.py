"""`budget.threshold`: announced once per scope, budget, window and level (80 % and 100 %) — a
SET NX in Redis decides which process announces it — as a project webhook and a log warning."""
from __future__ import annotations

import logging

from agent_platform.redis_client import redis_client
from limits.windows import Windows

logger = logging.getLogger("limits")
LEVELS = (80, 100)


def _window_of(budget: str, w: Windows) -> tuple[str, int]:
    if budget == "usd_per_month":
        return w.month, int((w.month_ends - w.now).total_seconds()) + 3600
    return w.day, int((w.day_ends - w.now).total_seconds()) + 3600


def crossed(before: float, after: float, limit: float) -> list[int]:
    """The levels passed going from `before` to `after` (all in the budget's unit)."""
    if limit <= 0:
        return [level for level in LEVELS if after > before] if before <= 0 < after else []
    return [level for level in LEVELS if before * 100 < level * limit <= after * 100]


def announce(*, project_id: str, scope: str, budget: str, before: float, after: float, limit: float,
             w: Windows, unit_scale: float = 1.0) -> list[int]:
    """Send `budget.threshold` for each level newly crossed; returns the levels sent by this call."""
    sent = []
    for level in crossed(before, after, limit):
        window, ttl = _window_of(budget, w)
        if not redis_client().set(f"lim:alert:{scope}:{budget}:{window}:{level}", "1", nx=True, ex=ttl):
            continue  # another process announced it
        sent.append(level)
        data = {"scope": "api_key" if scope.startswith("k:") else "project", "api_key_id": scope[2:]
                if scope.startswith("k:") else None, "project_id": project_id, "budget": budget,
                "threshold_percent": level, "used": after / unit_scale, "limit": limit / unit_scale,
                "window": window}
        logger.warning("budget %s of %s reached %d%% (%s of %s)", budget, scope, level, data["used"], data["limit"])
        _notify(project_id, data)
    return sent


def _notify(project_id: str, data: dict) -> None:
    from accounts.models import Project
    from webhooks.events import notify_project_event

    project = Project.objects.filter(pk=project_id).first()
    if project is not None:
        notify_project_event(project, "budget.threshold", data)
