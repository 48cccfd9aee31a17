"""The console confirms what it did: a message after Promote and after Record decision."""
from __future__ import annotations

import pytest
from django.contrib.admin.utils import quote
from django.urls import reverse

from accounts.admin_scoping import admin_url
from runs.executor import execute_run
from runs.models import Run
from runs.services import create_run
from tests.runs.factories import scripted_agent

CALL = {"name": "kv", "arguments": {"op": "get", "key": "greeting"}, "id": "call_1"}


def shown(response) -> list[str]:
    """The messages rendered on the page a redirect led to."""
    html = response.content.decode()
    return [str(message) for message in response.context["messages"] if str(message) in html]


@pytest.mark.django_db
def test_promote_confirms_the_new_pointer(member_client, agent):
    version = agent.versions.get()
    response = member_client("developer").post(admin_url(version, "promote"), {"environment": "stage"}, follow=True)
    assert response.redirect_chain and response.redirect_chain[-1][0] == admin_url(agent)
    assert shown(response) == [f"Promoted {agent.name} v1 to stage (it pointed at nothing)."]
    assert 'class="success"' in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_record_decision_confirms_the_verdict(member_client, project):
    scripted_agent(project, name="asker", tools=[{"name": "kv", "requires_approval": True}],
                   script=[{"tool_calls": [CALL]}, {"text": "done"}])
    run = create_run(project=project, agent="asker", input={"message": "hi"})
    assert execute_run(run.pk) == "waiting"
    client = member_client("developer")
    decide = reverse("admin:tools_pendingtoolapproval_decide", args=[quote(run.pk)])
    response = client.post(decide, {"approve": "1", "reason": "fine"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:tools_pendingtoolapproval_changelist")
    assert shown(response) == [f"Approved kv for run {run.pk}; the run is queued again."]
    assert Run.objects.get(pk=run.pk).status == "queued"
