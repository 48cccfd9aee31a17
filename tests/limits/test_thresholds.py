"""`budget.threshold` at 80 % and 100 % of a budget: one webhook delivery per level and window."""
import json

import pytest

from runs.executor import execute_run
from tests.conftest import client_for, make_key
from tests.limits.helpers import set_limits
from tests.runs.factories import scripted_agent
from webhooks.models import WebhookDelivery
from webhooks.services import create_endpoint

pytestmark = pytest.mark.django_db(transaction=True)


def test_crossing_80_and_100_percent_sends_one_webhook_each(project):
    project.http_allowlist = ["127.0.0.1"]
    project.save(update_fields=["http_allowlist"])
    create_endpoint(project=project, url="http://127.0.0.1:9/hook", event_types=["budget.threshold"])
    scripted_agent(project, script=[{"text": "x", "usage": {"input_tokens": 40, "output_tokens": 45}}])
    set_limits(project, tokens_per_day=100, run_token_estimate=0)
    api = client_for(make_key(project, "developer"))

    def run_once():
        return execute_run(api.post("/api/v1/runs", {"agent": "helper", "input": {"message": "m"}},
                                    format="json").json()["id"])

    assert run_once() == "succeeded"  # 85 of 100: past 80 %
    bodies = [json.loads(d.payload) for d in WebhookDelivery.objects.filter(event_type="budget.threshold")]
    assert [(b["data"]["threshold_percent"], b["data"]["used"], b["data"]["limit"]) for b in bodies] == [
        (80, 85, 100)]
    assert bodies[0]["data"]["budget"] == "tokens_per_day" and bodies[0]["data"]["scope"] == "project"

    assert run_once() == "failed"  # 85 + 85 = 170: crossed 100 %, stopped with budget_exceeded
    levels = [json.loads(d.payload)["data"]["threshold_percent"]
              for d in WebhookDelivery.objects.filter(event_type="budget.threshold").order_by("created_at")]
    assert levels == [80, 100]
    set_limits(project, tokens_per_day=1000, run_token_estimate=0)
    assert run_once() == "succeeded"  # 255 of 1000: below 80 %, and nothing is announced twice
    assert WebhookDelivery.objects.filter(event_type="budget.threshold").count() == 2
