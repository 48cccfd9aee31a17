"""Two real scheduler processes evaluating the real alerts job (every second here): one leader,
one firing, one webhook delivery, one email; the follower takes over when the leader is killed and
still does not fire the alert again."""
from __future__ import annotations

import signal
import sys
import uuid

import pytest

from agent_platform.redis_client import redis_client
from agent_platform.scheduler.runner import job_status
from alerts import services
from alerts.models import AlertEvent, AlertRule
from tests.alerts.conftest import work
from tests.e2e.servers import Process, child_env, wait_until
from webhooks import services as webhook_services
from webhooks.models import WebhookDelivery

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def start_scheduler(tmp_path, prefix: str, index: int) -> Process:
    return Process([sys.executable, "-m", "agent_platform.scheduler", "--job",
                    "alerts=1:alerts.tasks.evaluate_alert_rules", "--prefix", prefix, "--lease-s", "1.5",
                    "--poll-s", "0.1"], child_env(LOG_LEVEL="INFO", LOG_FORMAT="plain"),
                   tmp_path / f"scheduler-{index}.log")


def test_two_scheduler_processes_fire_an_alert_once(local_project, receiver, smtp_server, default_queue, tmp_path):
    endpoint = webhook_services.create_endpoint(project=local_project, url=receiver.url, event_types=["run.failed"])
    rule = services.create_rule(project=local_project, data={
        "name": "No traffic", "metric": "run_count", "comparison": "lt", "threshold": 1, "window_s": 60,
        "webhooks": [endpoint.pk], "emails": ["oncall@example.com"]})
    prefix = f"alerts-test-{uuid.uuid4().hex[:8]}"
    schedulers = [start_scheduler(tmp_path, prefix, i) for i in range(2)]
    try:
        wait_until(lambda: AlertEvent.objects.filter(rule=rule).exists(), timeout_s=90, what="the alert to fire")
        first = AlertRule.objects.get(pk=rule.pk).last_evaluated_at
        wait_until(lambda: AlertRule.objects.get(pk=rule.pk).last_evaluated_at > first, timeout_s=30,
                   what="another evaluation")
        leader_owner = job_status(redis_client(), prefix)["alerts"]["by"]
        leader = next(s for s in schedulers if f"-{s.pid}-" in leader_owner)
        follower = next(s for s in schedulers if s is not leader)
        leader.kill(signal.SIGKILL)
        wait_until(lambda: f"-{follower.pid}-" in job_status(redis_client(), prefix)["alerts"]["by"], timeout_s=30,
                   what="the follower to take over")
        taken_over = AlertRule.objects.get(pk=rule.pk).last_evaluated_at
        wait_until(lambda: AlertRule.objects.get(pk=rule.pk).last_evaluated_at > taken_over, timeout_s=30,
                   what="an evaluation by the new leader")
    finally:
        for scheduler in schedulers:
            scheduler.stop()
    assert AlertEvent.objects.filter(rule=rule).count() == 1
    assert WebhookDelivery.objects.filter(event_type="alert.firing").count() == 1
    work(default_queue)
    assert len(receiver.wait_for(1)) == 1 and len(smtp_server.wait_for(1)) == 1
    assert len(receiver.received) == 1 and len(smtp_server.messages) == 1
