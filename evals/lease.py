"""An eval's lease: one coordinator at a time executes an eval. `claim` takes it (queued, or
running with an expired lease), `Lease` renews it in the background and tells the coordinator
when it is lost or the eval is cancelled, `finish` ends the eval and gives the lease back.
A killed coordinator's lease expires and the eval recovery pass (evals/recovery.py) re-queues it."""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from evals.models import QUEUED, RUNNING, EvalRun

logger = logging.getLogger("evals.runner")


def lease_s() -> float:
    return float(getattr(settings, "EVAL_LEASE_S", settings.RUN_LEASE_S))


def claim(eval_id: str, owner: str) -> bool:
    now = timezone.now()
    free = Q(lease_owner="") | Q(lease_expires_at__lt=now)
    return bool(EvalRun.objects.filter(Q(pk=eval_id), free, status__in=(QUEUED, RUNNING), cancel_requested=False)
                .update(status=RUNNING, lease_owner=owner, lease_expires_at=now + timedelta(seconds=lease_s()),
                        started_at=Coalesce(F("started_at"), Now()), attempts=F("attempts") + 1))


class Lease:
    """Renews the eval's lease in the background; tells the workers to stop when it is lost or
    the eval is cancelled."""

    def __init__(self, eval_id: str, owner: str) -> None:
        self.eval_id, self.owner = eval_id, owner
        self.lost = threading.Event()
        self.cancelled = threading.Event()
        self.held: set[str] = set()  # runs created ahead and held for this coordinator (renewed with it)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"eval-lease-{eval_id}", daemon=True)

    @property
    def should_stop(self) -> bool:
        return self.lost.is_set() or self.cancelled.is_set()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        try:
            while not self._stop.wait(max(0.2, lease_s() / 3)):
                try:
                    self.beat()
                except Exception as exc:  # noqa: BLE001 - a dependency hiccup: the next beat retries
                    logger.warning("eval %s: lease renewal failed: %s: %s", self.eval_id, type(exc).__name__, exc)
        finally:
            connection.close()

    def beat(self) -> None:
        row = EvalRun.objects.filter(pk=self.eval_id, lease_owner=self.owner).values_list("cancel_requested",
                                                                                          flat=True).first()
        if row is None:
            self.lost.set()
            return
        expires = timezone.now() + timedelta(seconds=lease_s())
        EvalRun.objects.filter(pk=self.eval_id, lease_owner=self.owner).update(lease_expires_at=expires)
        held = list(self.held)
        if held:
            from runs.models import Run

            Run.objects.filter(pk__in=held, lease_owner=f"{self.owner}/hold").update(lease_expires_at=expires)
        if row:
            self.cancelled.set()


def finish(eval_id: str, owner: str, status: str, **fields) -> bool:
    return bool(EvalRun.objects.filter(pk=eval_id, lease_owner=owner).update(
        status=status, finished_at=timezone.now(), lease_owner="", lease_expires_at=None, **fields))

