"""Custom tools inside agent runs: the latest version unless the agent pins one; configured
secrets reach the remote server but never the run's events or traces."""
import json

import pytest

from accounts import services as account_services
from runs.executor import execute_run
from runs.models import Event, Span
from tests.conftest import client_for, make_key
from tests.runs.factories import scripted_agent
from tests.runtime.tools.local_server import json_answer
from tests.tools.conftest import http_tool

pytestmark = pytest.mark.django_db(transaction=True)


def run_agent(api, name: str) -> str:
    run_id = api.post("/api/v1/runs", {"agent": name, "input": {"message": "go"}}, format="json").json()["id"]
    assert execute_run(run_id) == "succeeded"
    return run_id


def test_agents_use_the_latest_version_unless_they_pin_one(project, server, allow_loopback):
    api = client_for(make_key(project, "developer"))
    server.route("/v1", lambda seen: json_answer({"version": 1}))
    server.route("/v2", lambda seen: json_answer({"version": 2}))
    tool = http_tool(api, "probe", {"method": "GET", "url": server.url("/v1")})
    api.post(f"/api/v1/tools/{tool['id']}/versions", {"method": "GET", "url": server.url("/v2")}, format="json")
    call = [{"tool_calls": [{"name": "probe", "arguments": {}}]}, {"text": "ok"}]
    scripted_agent(project, name="latest", tools=["probe"], script=call)
    scripted_agent(project, name="pinned", tools=[{"name": "probe", "version": 1}], script=call)

    run_agent(api, "latest")
    run_agent(api, "pinned")
    assert [s.path for s in server.seen] == ["/v2", "/v1"]


def test_secrets_never_appear_in_events_or_traces(project, server, allow_loopback):
    api = client_for(make_key(project, "developer"))
    account_services.set_secret(project=project, name="API_TOKEN", value="tok-9f8e7d6c5b4a",
                                allowed_hosts=["127.0.0.1"])
    server.route("/whoami", lambda seen: json_answer({"auth": seen.headers.get("Authorization")}))
    http_tool(api, "whoami", {"method": "GET", "url": server.url("/whoami"),
                              "headers": {"Authorization": "Bearer {secret:API_TOKEN}"}})
    scripted_agent(project, tools=["whoami"], script=[{"tool_calls": [{"name": "whoami", "arguments": {}}]},
                                                      {"text": "checked"}])
    run_id = run_agent(api, "helper")
    assert server.seen[0].headers["Authorization"] == "Bearer tok-9f8e7d6c5b4a"
    stored = json.dumps([e.data for e in Event.objects.filter(run_id=run_id)])
    stored += json.dumps([[s.attributes, s.error] for s in Span.objects.filter(run_id=run_id)])
    assert "tok-9f8e7d6c5b4a" not in stored
    assert "tool.completed" in Event.objects.filter(run_id=run_id).values_list("type", flat=True)


def test_a_missing_pinned_version_fails_the_run_with_a_typed_error(project):
    api = client_for(make_key(project, "developer"))
    http_tool(api, "probe", {"method": "GET", "url": "https://example.com/"})
    scripted_agent(project, tools=[{"name": "probe", "version": 9}])
    run_id = api.post("/api/v1/runs", {"agent": "helper", "input": {"message": "go"}}, format="json").json()["id"]
    assert execute_run(run_id) == "failed"
    assert api.get(f"/api/v1/runs/{run_id}").json()["error"]["type"] == "tool_not_found"
