"""Standard Webhooks deliveries of run events: signed, retried under one webhook-id, frozen
payloads, event-type filters, and the per-run webhook_url with the same headers."""
from __future__ import annotations

import json

import pytest
import standardwebhooks

from runs.executor import execute_run
from runs.models import Run
from tests.conftest import client_for, make_key
from tests.runs.factories import scripted_agent
from tests.webhooks.conftest import work_queue
from tests.webhooks.receivers import Receiver
from webhooks import services, signing, tasks
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db(transaction=True)


def run_to_end(project, *, script=None, webhook_url: str = "") -> str:
    scripted_agent(project, name="a", script=script or [{"text": "done"}])
    body = {"agent": "a", "input": {"message": "x"}}
    if webhook_url:
        body["webhook_url"] = webhook_url
    run_id = client_for(make_key(project, "developer")).post("/api/v1/runs", body, format="json").json()["id"]
    execute_run(run_id)
    return run_id


def verify(project, headers: dict[str, str], body: bytes) -> dict:
    return standardwebhooks.Webhook(signing.signing_secret(project)).verify(body, headers)


def test_delivery_verifies_with_the_standardwebhooks_library(local_project, receiver, webhook_queue):
    services.create_endpoint(project=local_project, url=receiver.url, event_types=["run.succeeded"])
    run_id = run_to_end(local_project)
    work_queue(webhook_queue)

    [(headers, body)] = receiver.wait_for(1)
    event = verify(local_project, headers, body)
    assert event["type"] == "run.succeeded" and event["timestamp"].endswith("Z")
    assert event["data"]["run"]["id"] == run_id and event["data"]["run"]["output"] == {"text": "done"}
    assert headers["webhook-id"].startswith("msg_") and headers["webhook-signature"].startswith("v1,")
    tampered = body.replace(b"done", b"DONE")
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        verify(local_project, headers, tampered)
    delivery = WebhookDelivery.objects.get(pk=headers["webhook-id"])
    assert delivery.status == "succeeded" and delivery.attempt_count == 1 and delivery.last_status_code == 204


def test_a_receiver_failing_twice_gets_three_attempts_with_one_webhook_id(local_project, webhook_queue):
    with Receiver(script=[500, 503]) as receiver:
        endpoint = services.create_endpoint(project=local_project, url=receiver.url, event_types=["*"])
        run_to_end(local_project)
        work_queue(webhook_queue)
        received = receiver.wait_for(3)

    assert len(received) == 3
    assert len({headers["webhook-id"] for headers, _ in received}) == 1
    assert len({body for _, body in received}) == 1  # the same frozen bytes every time
    for headers, body in received:
        verify(local_project, headers, body)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    attempts = list(delivery.attempts.values_list("number", "status_code"))
    assert attempts == [(1, 500), (2, 503), (3, 204)]
    assert delivery.status == "succeeded" and delivery.next_retry_at is None


def test_retries_are_bounded_and_logged_with_the_next_retry(local_project, settings, webhook_queue):
    settings.WEBHOOK_RETRY_INTERVALS = [0, 0]
    with Receiver(script=[500] * 10) as receiver:
        endpoint = services.create_endpoint(project=local_project, url=receiver.url, event_types=["run.succeeded"])
        run_to_end(local_project)
        work_queue(webhook_queue)
        assert len(receiver.wait_for(3)) == 3

    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == "failed" and delivery.attempt_count == 3
    assert delivery.last_error == "receiver answered 500" and delivery.next_retry_at is None
    assert list(delivery.attempts.values_list("status_code", flat=True)) == [500, 500, 500]


def test_next_retry_time_follows_the_backoff(local_project, settings, webhook_queue):
    settings.WEBHOOK_RETRY_INTERVALS = [60, 300]
    with Receiver(script=[500]) as receiver:
        endpoint = services.create_endpoint(project=local_project, url=receiver.url, event_types=["run.succeeded"])
        run_to_end(local_project)
        work_queue(webhook_queue)  # the first attempt fails; the retry is scheduled, not due
        receiver.wait_for(1)

    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    attempt = delivery.attempts.get()
    assert delivery.status == "pending" and attempt.status_code == 500 and attempt.latency_ms >= 0
    wait = (delivery.next_retry_at - attempt.started_at).total_seconds()
    assert 59 <= wait <= 70


def test_a_retry_sends_the_snapshot_taken_when_the_event_happened(local_project, webhook_queue):
    with Receiver(script=[500]) as receiver:
        services.create_endpoint(project=local_project, url=receiver.url, event_types=["run.succeeded"])
        run_id = run_to_end(local_project)
        [delivery] = WebhookDelivery.objects.filter(run_id=run_id)
        with pytest.raises(tasks.delivery_attempt.DeliveryFailed):
            tasks.deliver(delivery.pk)  # attempt 1: the receiver answers 500
        Run.objects.filter(pk=run_id).update(output={"text": "changed later"}, metadata={"edited": True})
        assert tasks.deliver(delivery.pk) == 204  # the retry
        first, second = receiver.wait_for(2)

    assert first[1] == second[1]
    data = verify(local_project, *second)["data"]["run"]
    assert data["output"] == {"text": "done"} and data["metadata"] == {}


def test_an_endpoint_gets_only_the_event_types_it_subscribed_to(local_project, webhook_queue):
    with Receiver() as failures, Receiver() as successes:
        services.create_endpoint(project=local_project, url=failures.url, event_types=["run.failed"])
        services.create_endpoint(project=local_project, url=successes.url, event_types=["run.succeeded"])
        services.create_endpoint(project=local_project, url=failures.url + "/off", event_types=["*"], enabled=False)
        run_to_end(local_project)
        work_queue(webhook_queue)
        [(headers, body)] = successes.wait_for(1)
        assert failures.received == []
    assert json.loads(body)["type"] == "run.succeeded"
    assert WebhookDelivery.objects.count() == 1


def test_a_failed_run_reaches_the_run_failed_subscriber(local_project, webhook_queue):
    with Receiver() as failures:
        services.create_endpoint(project=local_project, url=failures.url, event_types=["run.failed"])
        run_id = run_to_end(local_project, script=[{"error": "boom"}])
        assert Run.objects.get(pk=run_id).status == "failed"
        work_queue(webhook_queue)
        [(headers, body)] = failures.wait_for(1)
    event = verify(local_project, headers, body)
    assert event["type"] == "run.failed" and event["data"]["run"]["error"]


def test_the_per_run_webhook_url_carries_the_same_headers(local_project, receiver, webhook_queue):
    run_id = run_to_end(local_project, webhook_url=receiver.url)
    work_queue(webhook_queue)
    [(headers, body)] = receiver.wait_for(1)
    event = verify(local_project, headers, body)
    assert event["type"] == "run.succeeded" and event["data"]["run"]["id"] == run_id
    assert headers["x-platform-run"] == run_id


def test_a_private_address_is_refused_at_delivery_without_the_allow_list(project, receiver, webhook_queue):
    run_id = run_to_end(project, webhook_url=receiver.url)
    [delivery] = WebhookDelivery.objects.filter(run_id=run_id)
    with pytest.raises(tasks.delivery_attempt.DeliveryFailed) as refused:
        tasks.deliver(delivery.pk)
    assert refused.value.code == "tool_refused" and receiver.received == []
    assert delivery.attempts.get().error.startswith("tool_refused")


def test_eval_completed_goes_to_its_subscribers(local_project, receiver, webhook_queue):
    from webhooks.events import notify_project_event

    services.create_endpoint(project=local_project, url=receiver.url, event_types=["eval.completed"])
    assert notify_project_event(local_project, "run.succeeded", {"run": {"id": "run_x"}}) == []
    [delivery] = notify_project_event(local_project, "eval.completed", {"eval": {"id": "evl_1", "passed": True}})
    work_queue(webhook_queue)
    [(headers, body)] = receiver.wait_for(1)
    assert headers["webhook-id"] == delivery.pk
    assert verify(local_project, headers, body)["data"] == {"eval": {"id": "evl_1", "passed": True}}


def test_a_finished_eval_sends_eval_completed_with_its_report(local_project, api, receiver, webhook_queue):
    from evals.runner import execute_eval
    from tests.evals.helpers import create_dataset

    services.create_endpoint(project=local_project, url=receiver.url, event_types=["eval.completed"])
    scripted_agent(local_project, "helper", [{"echo": True}])
    create_dataset(local_project, "qa", [{"id": "a", "input": "x"}])
    eval_id = api.post("/api/v1/evals", {"dataset": "qa", "target": {"agent": "helper"},
                                         "metrics": [{"type": "human"}]}, format="json").json()["id"]
    assert execute_eval(eval_id, worker_name="test") == "succeeded"
    work_queue(webhook_queue)
    [(headers, body)] = receiver.wait_for(1)  # the eval's own runs are not subscribed
    event = verify(local_project, headers, body)
    assert event["type"] == "eval.completed" and event["data"]["eval"]["id"] == eval_id
    assert event["data"]["eval"]["status"] == "succeeded" and "summary" in event["data"]["eval"]["report"]
