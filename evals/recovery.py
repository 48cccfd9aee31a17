"""Eval runs whose coordinator died: a `running` eval whose lease expired, or a `queued` one with
no job (Redis was down at create), goes back on the `evals` queue. Called from the workers'
recovery pass (runs.recovery), so it runs every half lease in one worker at a time."""
from __future__ import annotations

import logging
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from evals import queue
from evals.models import QUEUED, RUNNING, EvalRun

logger = logging.getLogger(__name__)
QUEUED_GRACE_S = 30


def requeue_stale_evals() -> list[str]:
    now = timezone.now()
    stale = list(EvalRun.objects.filter(
        Q(status=RUNNING, lease_expires_at__lt=now) |
        Q(status=QUEUED, lease_owner="", created_at__lt=now - timedelta(seconds=QUEUED_GRACE_S))
    ).values_list("pk", "status"))
    requeued = []
    for eval_id, status in stale:
        if status == QUEUED and _has_job(eval_id):
            continue
        if status == RUNNING and not EvalRun.objects.filter(pk=eval_id, status=RUNNING, lease_expires_at__lt=now) \
                .update(lease_owner="", lease_expires_at=None):
            continue
        if queue.enqueue_eval(eval_id):
            logger.warning("eval %s (%s) put back on the queue", eval_id, status)
            requeued.append(eval_id)
    return requeued


def _has_job(eval_id: str) -> bool:
    import django_rq
    from rq.registry import StartedJobRegistry

    from agent_platform.redis_client import redis_client

    connection = redis_client()
    q = django_rq.get_queue(queue.QUEUE, connection=connection)
    ids = list(q.get_job_ids()) + StartedJobRegistry(queue.QUEUE, connection=connection).get_job_ids()
    return any(job.split(":", 1)[0].rsplit("-", 1)[0] == eval_id for job in ids)
