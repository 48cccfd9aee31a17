"""The webhooks API: endpoints, the signing secret (shown once), the delivery log and redelivery."""
from __future__ import annotations

import pytest
import standardwebhooks
from django.test import override_settings

from tests.conftest import client_for, make_key
from tests.webhooks.conftest import work_queue
from tests.webhooks.receivers import Receiver
from webhooks import signing
from webhooks.events import notify_project_event
from webhooks.models import WebhookDelivery, WebhookSigningSecret

pytestmark = pytest.mark.django_db(transaction=True)


def create(api, **body):
    return api.post("/api/v1/webhooks", {"event_types": ["run.succeeded"], **body}, format="json")


def test_endpoints_are_created_listed_changed_and_deleted(local_project, api, receiver):
    created = create(api, url=receiver.url, description="ops")
    assert created.status_code == 201, created.json()
    hook = created.json()
    assert hook["id"].startswith("whk_") and hook["event_types"] == ["run.succeeded"] and hook["enabled"] is True
    assert api.get("/api/v1/webhooks").json()["data"] == [hook]
    changed = api.patch(f"/api/v1/webhooks/{hook['id']}", {"event_types": ["run.failed", "eval.completed"],
                                                           "enabled": False}, format="json")
    assert changed.status_code == 200 and changed.json()["event_types"] == ["eval.completed", "run.failed"]
    assert api.get(f"/api/v1/webhooks/{hook['id']}").json()["enabled"] is False
    assert api.delete(f"/api/v1/webhooks/{hook['id']}").status_code == 204
    assert api.get(f"/api/v1/webhooks/{hook['id']}").status_code == 404


@pytest.mark.parametrize("url", ["ftp://example.com/hook", "not a url", "http:///nohost", "http://10.0.0.7/hook",
                                 "http://example.com:99999/x"])
def test_a_bad_url_is_refused_with_422_naming_url(api, url):
    response = create(api, url=url)
    assert response.status_code == 422, response.json()
    assert response["Content-Type"].startswith("application/problem+json")
    assert list(response.json()["errors"]) == ["url"]


def test_bad_event_types_are_refused_naming_the_field(api):
    for event_types in (["run.exploded"], [], "run.failed"):
        response = api.post("/api/v1/webhooks", {"url": "https://example.com/h", "event_types": event_types},
                            format="json")
        assert 400 <= response.status_code < 500 and "event_types" in response.json()["errors"]


def test_another_projects_webhook_and_delivery_answer_404(api, other_project, receiver):
    other = client_for(make_key(other_project, "owner"))
    hook = create(other, url="https://example.com/hook").json()
    [delivery] = notify_project_event(other_project, "run.succeeded", {"run": {"id": "run_1"}})
    for method, path in (("get", f"/api/v1/webhooks/{hook['id']}"), ("patch", f"/api/v1/webhooks/{hook['id']}"),
                         ("delete", f"/api/v1/webhooks/{hook['id']}"),
                         ("get", f"/api/v1/webhooks/{hook['id']}/deliveries"),
                         ("post", f"/api/v1/webhooks/deliveries/{delivery.pk}/redeliver")):
        response = getattr(api, method)(path, {}, format="json")
        assert response.status_code == 404, (method, path, response.status_code)
    assert api.get("/api/v1/webhooks").json()["data"] == []


def test_viewers_read_but_do_not_manage_webhooks(project):
    viewer = client_for(make_key(project, "viewer"))
    assert viewer.get("/api/v1/webhooks").status_code == 200
    assert create(viewer, url="https://example.com/h").status_code == 403
    assert viewer.post("/api/v1/webhooks/signing-secret/rotate").status_code == 403


def test_rotation_shows_the_new_secret_once_and_old_signatures_stop_verifying(local_project, api, receiver,
                                                                                webhook_queue):
    create(api, url=receiver.url, event_types=["*"])
    notify_project_event(local_project, "eval.completed", {"eval": {"id": "evl_1"}})
    work_queue(webhook_queue)
    [(headers, body)] = receiver.wait_for(1)
    old_secret = signing.signing_secret(local_project)
    standardwebhooks.Webhook(old_secret).verify(body, headers)

    rotated = api.post("/api/v1/webhooks/signing-secret/rotate")
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    assert new_secret.startswith("whsec_") and new_secret != old_secret and rotated.json()["rotated_at"]
    assert new_secret not in WebhookSigningSecret.objects.get(project=local_project).token  # stored sealed
    assert new_secret not in str(api.get("/api/v1/webhooks").json())
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(new_secret).verify(body, headers)

    notify_project_event(local_project, "eval.completed", {"eval": {"id": "evl_2"}})
    work_queue(webhook_queue)
    _, (headers, body) = receiver.wait_for(2)
    assert standardwebhooks.Webhook(new_secret).verify(body, headers)["data"] == {"eval": {"id": "evl_2"}}
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(old_secret).verify(body, headers)


def test_the_delivery_log_and_redelivery_keep_the_webhook_id(local_project, api, webhook_queue):
    with Receiver(script=[500, 500]) as receiver:
        hook = create(api, url=receiver.url, event_types=["eval.completed"]).json()
        with override_settings(WEBHOOK_RETRY_INTERVALS=[0]):  # two attempts, then the delivery fails
            notify_project_event(local_project, "eval.completed", {"eval": {"id": "evl_1"}})
            work_queue(webhook_queue)
        receiver.wait_for(2)
        log = api.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()
        [entry] = log["data"]
        assert log["next_cursor"] is None
        assert entry["status"] == "failed" and entry["attempt_count"] == 2 and entry["last_status_code"] == 500
        assert [(a["number"], a["status_code"]) for a in entry["attempts"]] == [(1, 500), (2, 500)]
        assert all(isinstance(a["latency_ms"], int) and a["error"] == "receiver answered 500"
                   for a in entry["attempts"])

        again = api.post(f"/api/v1/webhooks/deliveries/{entry['id']}/redeliver")
        assert again.status_code == 202 and again.json()["status"] == "pending"
        work_queue(webhook_queue)
        received = receiver.wait_for(3)

    assert {headers["webhook-id"] for headers, _ in received} == {entry["id"]}
    delivery = WebhookDelivery.objects.get(pk=entry["id"])
    assert delivery.status == "succeeded" and delivery.attempt_count == 3 and delivery.next_retry_at is None


def test_unknown_delivery_and_unknown_fields_are_refused(api):
    assert api.post("/api/v1/webhooks/deliveries/msg_nope/redeliver").status_code == 404
    response = create(api, url="https://example.com/h", secret="x")
    assert response.status_code == 400 and "secret" in response.json()["errors"]


def test_a_queued_delivery_of_a_deleted_endpoint_is_dropped(local_project, api, receiver, webhook_queue):
    hook = create(api, url=receiver.url, event_types=["eval.completed"]).json()
    [delivery] = notify_project_event(local_project, "eval.completed", {"eval": {"id": "evl_1"}})
    assert api.delete(f"/api/v1/webhooks/{hook['id']}").status_code == 204
    failed_before = webhook_queue.failed_job_registry.count
    work_queue(webhook_queue)
    assert receiver.received == [] and not WebhookDelivery.objects.filter(pk=delivery.pk).exists()
    assert webhook_queue.count == 0 and webhook_queue.failed_job_registry.count == failed_before
