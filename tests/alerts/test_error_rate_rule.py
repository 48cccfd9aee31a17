"""The acceptance path: an error-rate rule fires once (a signed webhook verified with the Standard
Webhooks library, an email received by a real SMTP server), resolves when the rate falls, and
respects its cool-down. Time is driven by passing the scheduler's tick (`now`)."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import standardwebhooks

from alerts import services
from alerts.evaluation import evaluate_all
from alerts.models import AlertEvent, AlertRule
from tests.alerts.conftest import add_runs, minute, work
from webhooks import services as webhook_services
from webhooks import signing

pytestmark = pytest.mark.django_db(transaction=True)


def verified(project, headers, body) -> dict:
    return standardwebhooks.Webhook(signing.signing_secret(project)).verify(body, headers)


def test_error_rate_rule_fires_once_resolves_and_respects_its_cooldown(local_project, receiver, smtp_server,
                                                                       default_queue):
    endpoint = webhook_services.create_endpoint(project=local_project, url=receiver.url, event_types=["run.failed"])
    rule = services.create_rule(project=local_project, data={
        "name": "Too many failures", "metric": "error_rate", "comparison": "gt", "threshold": 0.5,
        "window_s": 300, "cooldown_s": 1800, "webhooks": [endpoint.pk], "emails": ["oncall@example.com"]})
    t0 = minute()
    add_runs(local_project, t0 - timedelta(minutes=2), ["failed", "failed", "timed_out", "succeeded"])

    [fired] = evaluate_all(now=t0)
    assert fired.state == "firing" and fired.value == pytest.approx(0.75)
    assert evaluate_all(now=t0 + timedelta(minutes=1)) == []  # still breached: no second firing
    assert evaluate_all(now=t0 + timedelta(minutes=1)) == []  # the same tick again (a second scheduler)
    work(default_queue)

    [(headers, body)] = receiver.wait_for(1)
    event = verified(local_project, headers, body)
    assert event["type"] == "alert.firing"
    assert event["data"]["alert"]["id"] == fired.pk and event["data"]["alert"]["value"] == pytest.approx(0.75)
    assert event["data"]["rule"] == {"id": rule.pk, "name": "Too many failures", "agent_id": None,
                                     "workflow_id": None, "environment": ""}
    [(sender, recipients, message)] = smtp_server.wait_for(1)
    assert sender == "alerts@platform.test" and recipients == ["oncall@example.com"]
    assert message["Subject"] == "[FIRING] Too many failures: error_rate 0.75"
    assert "error_rate > 0.5 over the last 300 s" in message.get_payload()
    fired.refresh_from_db()
    assert fired.email_sent_at is not None and fired.webhook_deliveries == [headers["webhook-id"]]

    # The rate falls: twelve successes join the window (3 errors / 16 finished).
    add_runs(local_project, t0 + timedelta(minutes=1), ["succeeded"] * 12)
    [resolved] = evaluate_all(now=t0 + timedelta(minutes=2))
    assert resolved.state == "resolved" and resolved.value == pytest.approx(3 / 16)
    work(default_queue)
    assert verified(local_project, *receiver.wait_for(2)[1])["type"] == "alert.resolved"
    assert smtp_server.wait_for(2)[1][2]["Subject"].startswith("[RESOLVED] Too many failures")

    # Errors again inside the cool-down (30 min from the firing): no new firing, no notification.
    add_runs(local_project, t0 + timedelta(minutes=3), ["failed"] * 20)
    assert evaluate_all(now=t0 + timedelta(minutes=4)) == []
    rule.refresh_from_db()
    assert rule.state == "ok" and rule.last_value > 0.5
    # Past the cool-down, with errors still in the window, it fires again.
    add_runs(local_project, t0 + timedelta(minutes=29), ["failed"] * 3)
    [again] = evaluate_all(now=t0 + timedelta(minutes=30))
    assert again.state == "firing"
    work(default_queue)
    assert len(receiver.wait_for(3)) == 3 and len(smtp_server.messages) == 3
    assert list(AlertEvent.objects.filter(rule=rule).order_by("at").values_list("state", flat=True)) == [
        "firing", "resolved", "firing"]
    assert AlertRule.objects.get(pk=rule.pk).last_fired_at == t0 + timedelta(minutes=30)


def test_an_endpoint_subscribed_to_alert_events_gets_every_rules_alerts(local_project, receiver, default_queue):
    webhook_services.create_endpoint(project=local_project, url=receiver.url, event_types=["alert.firing"])
    services.create_rule(project=local_project, data={"name": "Any failure", "metric": "error_rate",
                                                      "comparison": "gte", "threshold": 0.01})
    t0 = minute()
    add_runs(local_project, t0 - timedelta(minutes=1), ["failed"])
    assert len(evaluate_all(now=t0)) == 1
    work(default_queue)
    [(headers, body)] = receiver.wait_for(1)
    assert verified(local_project, headers, body)["type"] == "alert.firing"
    assert json.loads(body)["data"]["rule"]["name"] == "Any failure"


def test_an_smtp_failure_is_recorded_on_the_alert_and_retried(local_project, settings, default_queue):
    from tests.e2e.servers import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2  # nobody listens
    services.create_rule(project=local_project, data={"name": "r", "metric": "run_count", "comparison": "lt",
                                                      "threshold": 1, "emails": ["a@example.com"]})
    [event] = evaluate_all(now=minute())
    work(default_queue)  # the first attempt fails; RQ schedules the next one
    event.refresh_from_db()
    assert event.email_sent_at is None and "ConnectionRefusedError" in event.email_error
    [job_id] = default_queue.scheduled_job_registry.get_job_ids()
    job = default_queue.fetch_job(job_id)
    assert job.func_name == "alerts.tasks.send_alert_email" and job.args == (event.pk,) and job.retries_left == 2
