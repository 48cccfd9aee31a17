"""Putting eval runs on the `evals` queue (one coordinator job per execution attempt)."""
from __future__ import annotations

import logging
import uuid

import django_rq
import redis

from agent_platform.redis_client import redis_client

logger = logging.getLogger(__name__)
JOB = "evals.tasks.execute_eval"
QUEUE = "evals"


def enqueue_eval(eval_id: str) -> bool:
    """One job for the eval; False when Redis is down (the eval recovery pass enqueues it later)."""
    try:
        django_rq.get_queue(QUEUE, connection=redis_client()).enqueue(
            JOB, eval_id, job_id=f"{eval_id}-{uuid.uuid4().hex[:12]}", job_timeout=-1, result_ttl=0,
            failure_ttl=86_400)
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        logger.warning("eval %s not enqueued (%s: %s); recovery will enqueue it", eval_id, type(exc).__name__, exc)
        return False
    return True
