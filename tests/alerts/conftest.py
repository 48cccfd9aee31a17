"""Alert test fixtures: a real SMTP server (aiosmtpd) and a real webhook receiver on 127.0.0.1,
the real `default` RQ queue (webhook deliveries and alert emails), and run rows at chosen times."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta
from email import message_from_bytes
from email.message import Message

import django_rq
import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone
from rq import SimpleWorker

from agent_platform.redis_client import redis_client
from tests.e2e.servers import free_port
from tests.webhooks.receivers import Receiver


class Mailbox:
    """An aiosmtpd handler that keeps every message and wakes waiters."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        with self.arrived:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
            self.arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 10) -> list[tuple[str, list[str], Message]]:
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.messages) >= count, timeout), \
                f"{len(self.messages)} of {count} emails arrived"
            return list(self.messages)


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1 and Django's SMTP backend pointed at it."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "alerts@platform.test"
    yield mailbox
    controller.stop()


@pytest.fixture
def receiver():
    with Receiver() as server:
        yield server


@pytest.fixture
def local_project(project):
    project.http_allowlist = ["127.0.0.1"]  # the receiver is on loopback (the SSRF guard allows it so)
    project.save(update_fields=["http_allowlist"])
    return project


@pytest.fixture
def default_queue(settings):
    """The real `default` queue (webhook deliveries and alert emails), emptied, retries due at once."""
    settings.WEBHOOK_RETRY_INTERVALS = [0, 0, 0]
    queue = django_rq.get_queue("default", connection=redis_client())
    queue.empty()
    yield queue
    queue.empty()


def work(queue) -> None:
    """RQ's own worker, in this process, until the queue is empty."""
    SimpleWorker([queue], connection=queue.connection).work(burst=True)


def minute(offset: int = 0) -> datetime:
    """A scheduler tick: the current minute's start plus `offset` minutes."""
    return timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=offset)


def add_runs(project, at: datetime, statuses: list[str], *, duration_s: float = 1.0, cost_usd: float = 0.0,
             agent=None) -> list:
    """Run rows created at `at`, finished `duration_s` later when terminal."""
    from runs.models import TERMINAL, Run

    return [Run.objects.create(project=project, kind="agent", agent=agent, status=status, created_at=at,
                               started_at=at, usage={"cost_usd": cost_usd},
                               finished_at=at + timedelta(seconds=duration_s) if status in TERMINAL else None)
            for status in statuses]
