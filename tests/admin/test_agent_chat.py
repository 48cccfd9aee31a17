"""The console's agent chat endpoint and the runs list filters (the page itself is driven in
Chromium by tests/browser/test_live_and_chat.py)."""
import json

import pytest

from runs.models import Run
from tests.runs.factories import scripted_agent

pytestmark = pytest.mark.django_db
SEND = "/admin/runs/run/chat/send/"


def send(client, body):
    return client.post(SEND, json.dumps(body), content_type="application/json")


def test_a_turn_creates_a_run_with_the_conversation(member_client, project, agent):
    response = send(member_client("developer"), {"agent": agent.pk, "message": "again", "messages": [
        {"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]})
    assert response.status_code == 201, response.content
    run = Run.objects.get(pk=response.json()["run"])
    assert run.input == {"message": "again", "messages": [{"role": "user", "content": "hi"},
                                                          {"role": "assistant", "content": "hello"}]}
    assert run.metadata == {"source": "console-chat", "user": "member-developer"}
    assert response.json()["events_url"].endswith("/events.json")


@pytest.mark.parametrize(("body", "field"), [
    ({"message": "x"}, "agent"), ({"agent": "AGENT", "message": ""}, "message"),
    ({"agent": "AGENT", "message": "x", "messages": [{"role": "system", "content": "x"}]}, "messages"),
    ({"agent": "AGENT", "message": "x", "version": 9}, "version"),
    ({"agent": "AGENT", "message": "x", "environment": "qa"}, "environment"),
    ({"agent": "AGENT", "message": "x", "extra": 1}, "extra"),
])
def test_bad_turns_are_problems_naming_the_field(member_client, agent, body, field):
    body = {k: (agent.pk if v == "AGENT" else v) for k, v in body.items()}
    response = send(member_client("developer"), body)
    assert response.status_code in (400, 404, 422), response.content
    assert response["Content-Type"] == "application/problem+json"
    assert field in json.dumps(response.json()["errors"])


def test_viewers_and_outsiders_cannot_chat(member_client, outsider_client, agent):
    assert member_client("viewer").get("/admin/runs/run/chat/").status_code == 403
    assert send(member_client("viewer"), {"agent": agent.pk, "message": "x"}).status_code == 400
    refused = send(outsider_client, {"agent": agent.pk, "message": "x"})
    assert refused.status_code == 400 and "agent" in refused.json()["errors"]
    assert not Run.objects.exists()


def test_runs_list_filters_by_agent_version_and_input_text(superuser_client, project, agent):
    from runs import services

    other, _ = scripted_agent(project, name="other")
    mine = services.create_run(project=project, agent="helper", input={"message": "find the teapot"})
    theirs = services.create_run(project=project, agent="other", input={"message": "x"})
    by_agent = superuser_client.get(f"/admin/runs/run/?agent={other.pk}").content.decode()
    assert theirs.pk in by_agent and mine.pk not in by_agent
    by_text = superuser_client.get("/admin/runs/run/?q=teapot").content.decode()
    assert mine.pk in by_text and theirs.pk not in by_text
    assert superuser_client.get("/admin/runs/run/?version=1").context["cl"].result_count == 2
    assert superuser_client.get("/admin/runs/run/?o=8").status_code == 200  # sortable latency column
