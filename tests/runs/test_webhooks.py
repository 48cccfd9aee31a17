"""Signed webhooks for run.waiting and terminal events, through the SSRF guard (the first
webhooks' `X-Platform-Signature` still comes with the Standard Webhooks headers, tests/webhooks/)."""
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import django_rq
import pytest

from accounts import services as account_services
from runs.executor import execute_run
from tests.conftest import client_for, make_key
from tests.runs.factories import scripted_agent
from webhooks.delivery import retry_intervals
from webhooks.models import WebhookDelivery
from webhooks.tasks import deliver

pytestmark = pytest.mark.django_db(transaction=True)
SIGNING = "whsec-test-1234567890"


@pytest.fixture
def receiver():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


def finished_run(project, url) -> str:
    scripted_agent(project, name="a", script=[{"text": "done"}])
    api = client_for(make_key(project, "developer"))
    run_id = api.post("/api/v1/runs", {"agent": "a", "input": {"message": "x"}, "webhook_url": url},
                      format="json").json()["id"]
    assert execute_run(run_id) == "succeeded"
    return run_id


def test_terminal_event_is_delivered_signed(project, receiver):
    url, received = receiver
    project.http_allowlist = ["127.0.0.1"]
    project.save(update_fields=["http_allowlist"])
    account_services.set_secret(project=project, name="WEBHOOK_SIGNING_SECRET", value=SIGNING)
    queue = django_rq.get_queue("default")
    before = queue.count
    run_id = finished_run(project, url)
    assert queue.count == before + 1  # one delivery job, with retries configured
    job = queue.jobs[-1]
    [delivery] = WebhookDelivery.objects.filter(run_id=run_id)
    assert job.func_name == "webhooks.tasks.deliver" and job.args == (delivery.pk,)
    assert job.retries_left == len(retry_intervals())

    assert deliver(delivery.pk) == 204
    headers, body = received[0]
    payload = json.loads(body)
    assert payload["type"] == "run.succeeded" and payload["data"]["run"]["output"] == {"text": "done"}
    assert headers["webhook-id"] == delivery.pk
    stamp, signature = (part.split("=", 1)[1] for part in headers["X-Platform-Signature"].split(","))
    expected = hmac.new(SIGNING.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected)
    assert SIGNING not in body.decode()


def test_webhooks_to_private_addresses_are_refused_without_allow_list(project, receiver):
    url, received = receiver
    run_id = finished_run(project, url)
    [delivery] = WebhookDelivery.objects.filter(run_id=run_id)
    with pytest.raises(Exception) as refused:
        deliver(delivery.pk)
    assert getattr(refused.value, "code", "") == "tool_refused"
    assert received == []
