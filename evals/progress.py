"""Eval progress, published best effort on Redis (`eval:<id>`) for live followers; the eval row
(`completed` of `total`, status) is the source of truth that pollers read."""
from __future__ import annotations

import json
import logging

logger = logging.getLogger(__name__)


def channel(eval_id: str) -> str:
    return f"eval:{eval_id}"


def publish(eval_id: str, row: dict | None = None) -> None:
    """Publish `{eval, status, completed, total}`; `row` when the caller has just read them."""
    from agent_platform.redis_client import redis_client
    from evals.models import EvalRun

    if row is None:
        row = EvalRun.objects.filter(pk=eval_id).values("status", "completed", "total").first()
    if row is None:
        return
    try:
        redis_client().publish(channel(eval_id), json.dumps({"eval": eval_id, **row}))
    except Exception as exc:  # noqa: BLE001 - live delivery is best effort; the row has the progress
        logger.debug("eval %s: progress not published: %s", eval_id, exc)
