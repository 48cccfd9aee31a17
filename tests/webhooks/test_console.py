"""Console pages for webhook endpoints and deliveries, and the redeliver action."""
from __future__ import annotations

import pytest
from django.contrib.admin.utils import quote

from tests.admin.conftest import console_client, staff_user
from tests.webhooks.conftest import work_queue
from webhooks import services
from webhooks.events import notify_project_event
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db(transaction=True)
ENDPOINTS, DELIVERIES = "/admin/webhooks/webhookendpoint/", "/admin/webhooks/webhookdelivery/"


def test_an_admin_adds_an_endpoint_and_a_bad_url_is_shown_on_its_field(project):
    client = console_client(staff_user("ada", project=project, role="admin"))
    form = {"project": project.pk, "url": "ftp://example.com/h", "event_types": ["run.failed"], "enabled": "on"}
    refused = client.post(ENDPOINTS + "add/", form)
    assert refused.status_code == 200 and "must be an http or https URL" in refused.content.decode()
    assert not WebhookEndpoint.objects.exists()

    added = client.post(ENDPOINTS + "add/", {**form, "url": "https://example.com/h"})
    assert added.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.event_types == ["run.failed"] and endpoint.project == project
    listing = client.get(ENDPOINTS).content.decode()
    assert "https://example.com/h" in listing and "run.failed" in listing


def test_developers_see_endpoints_but_do_not_manage_them(project):
    services.create_endpoint(project=project, url="https://example.com/h", event_types=["*"])
    client = console_client(staff_user("dev", project=project, role="developer"))
    assert client.get(ENDPOINTS).status_code == 200
    assert client.get(ENDPOINTS + "add/").status_code == 403


def test_the_delivery_log_shows_attempts_and_redelivers(local_project, receiver, webhook_queue):
    services.create_endpoint(project=local_project, url=receiver.url, event_types=["eval.completed"])
    [delivery] = notify_project_event(local_project, "eval.completed", {"eval": {"id": "evl_1"}})
    work_queue(webhook_queue)
    receiver.wait_for(1)
    client = console_client(staff_user("ada", project=local_project, role="admin"))

    page = client.get(f"{DELIVERIES}{quote(delivery.pk)}/change/").content.decode()
    assert "evl_1" in page and "204" in page  # the frozen payload and the attempt
    assert delivery.pk in client.get(DELIVERIES).content.decode()

    answer = client.post(DELIVERIES, {"action": "redeliver", "_selected_action": [delivery.pk]})
    assert answer.status_code == 302
    work_queue(webhook_queue)
    (first, _), (second, _) = receiver.wait_for(2)
    assert first["webhook-id"] == second["webhook-id"] == delivery.pk
    assert WebhookDelivery.objects.get(pk=delivery.pk).attempt_count == 2


def test_other_projects_deliveries_are_not_visible(project, other_project):
    [delivery] = notify_project_event(other_project, "eval.completed", {"eval": {"id": "evl_1"}}, extra_url="https://example.com/h")
    client = console_client(staff_user("ada", project=project, role="admin"))
    assert delivery.pk not in client.get(DELIVERIES).content.decode()
    assert client.get(f"{DELIVERIES}{quote(delivery.pk)}/change/").status_code in (302, 404)
