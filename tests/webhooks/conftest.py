from __future__ import annotations

import django_rq
import pytest
from rq import SimpleWorker

from agent_platform.redis_client import redis_client
from tests.webhooks.receivers import Receiver
from webhooks.tasks import QUEUE


@pytest.fixture
def local_project(project):
    project.http_allowlist = ["127.0.0.1"]
    project.save(update_fields=["http_allowlist"])
    return project


@pytest.fixture
def receiver():
    with Receiver() as server:
        yield server


@pytest.fixture
def webhook_queue(settings):
    """The real delivery queue, emptied, with retries that are due at once (interval 0)."""
    settings.WEBHOOK_RETRY_INTERVALS = [0, 0, 0]
    queue = django_rq.get_queue(QUEUE, connection=redis_client())
    queue.empty()
    yield queue
    queue.empty()


def work_queue(queue) -> None:
    """Run RQ's own worker (in this process) until the queue is empty, retries included."""
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
