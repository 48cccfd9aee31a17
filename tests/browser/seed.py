"""A project with one of everything the console shows, made through the real HTTP API (so the
audit log holds API-key actions) and executed by the real worker."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import httpx
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts import services as account_services
from tests.e2e.servers import wait_until
from tools.models import McpServer

PASSWORD = "console-browser-test"
TERMINAL = ("succeeded", "failed", "cancelled", "timed_out")
KV_SET = {"name": "kv", "arguments": {"op": "set", "key": "last-message", "value": "{message}"}}
HELPER_SCRIPT = [{"tool_calls": [KV_SET]}, {"text": "Stored it. You said: {message}"}]


@dataclass
class Seeded:
    project: object
    key: str
    client: httpx.Client
    agents: dict[str, dict] = field(default_factory=dict)
    workflow: dict = field(default_factory=dict)
    kb: dict = field(default_factory=dict)
    runs: dict[str, str] = field(default_factory=dict)


def ok(response: httpx.Response, status: int = 201) -> dict:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()


def superuser(username: str = "root"):
    return get_user_model().objects.create_superuser(username, email=f"{username}@example.com", password=PASSWORD)


def agent(seeded: Seeded, name: str, script: list, **body) -> dict:
    created = ok(seeded.client.post("/api/v1/agents", json={"name": name, "description": f"The {name} agent"}))
    ok(seeded.client.post(f"/api/v1/agents/{created['id']}/versions", json={
        "model": f"scripted/{name}", "instructions": "Be brief.", "model_settings": {"script": script}, **body}))
    seeded.agents[name] = created
    return created


def start_run(seeded: Seeded, name: str, target: dict, message: str = "hello") -> str:
    run = ok(seeded.client.post("/api/v1/runs", json={**target, "input": {"message": message}}))
    seeded.runs[name] = run["id"]
    return run["id"]


def wait_for_status(client: httpx.Client, run_id: str, statuses: tuple[str, ...], timeout_s: float = 30) -> dict:
    def reached():
        body = client.get(f"/api/v1/runs/{run_id}").json()
        return body if body["status"] in statuses else None
    return wait_until(reached, timeout_s=timeout_s, what=f"run {run_id} to be {'/'.join(statuses)}", interval_s=0.05)


def new_project(base: str, settings: dict | None = None) -> Seeded:
    """A project, an owner API key named "tour" and an HTTP client that sends it."""
    project = account_services.create_project(slug=f"console-{uuid.uuid4().hex[:6]}", name="Console tour")
    project.settings = settings or {}
    project.http_allowlist = ["127.0.0.1"]
    project.save(update_fields=["settings", "http_allowlist"])
    _, key = account_services.create_api_key(project=project, name="tour", role="owner")
    client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    return Seeded(project, key, client)


def helper_agent(seeded: Seeded) -> dict:
    """`helper` (kv tool, then an answer quoting the message): v1 in dev, and a v2."""
    helper = agent(seeded, "helper", HELPER_SCRIPT, tools=["kv"])
    ok(seeded.client.post(f"/api/v1/agents/{helper['id']}/versions", json={
        "model": "scripted/helper", "instructions": "Be very brief.", "model_settings": {"script": HELPER_SCRIPT},
        "tools": ["kv"]}))
    ok(seeded.client.post(f"/api/v1/agents/{helper['id']}/promote", json={"version": 1, "environment": "dev"}))
    return helper


def seed_console(base: str, embeddings_url: str) -> Seeded:
    seeded = new_project(base, {"providers": {"compat:hashing": {"base_url": embeddings_url}}})
    client, project = seeded.client, seeded.project
    Group.objects.get_or_create(name="reviewers")

    helper_agent(seeded)
    agent(seeded, "slow", [{"delay": 2.0, "text": "A slow, considered answer."}])
    agent(seeded, "approver", [{"tool_calls": [KV_SET]}, {"text": "Approved and stored."}],
          tools=[{"name": "kv", "requires_approval": True}])

    seeded.workflow = ok(client.post("/api/v1/workflows", json={"name": "triage"}))
    ok(client.post(f"/api/v1/workflows/{seeded.workflow['id']}/versions", json={"graph": {
        "nodes": [{"id": "start", "type": "start"},
                  {"id": "answer", "type": "agent", "config": {"agent": "helper"}, "inputs": {"message": "$.input.message"}},
                  {"id": "shout", "type": "transform", "inputs": {"text": "$.nodes.answer.output.text"}},
                  {"id": "end", "type": "end", "inputs": {"text": "$.nodes.shout.output.text"}}],
        "edges": [{"from": "start", "to": "answer"}, {"from": "answer", "to": "shout"}, {"from": "shout", "to": "end"}],
    }}))

    ok(client.post("/api/v1/tools", json={"name": "weather", "description": "Weather by city", "body": {
        "method": "GET", "url": "http://127.0.0.1:9/weather", "input_schema": {
            "type": "object", "properties": {"city": {"type": "string"}}}}}))
    ok(client.post("/api/v1/secrets", json={"name": "WEATHER_TOKEN", "value": "s3cret-value",
                                            "allowed_hosts": ["127.0.0.1"]}))
    McpServer.objects.create(project=project, name="docs", transport="http", url="http://127.0.0.1:9/mcp")

    seeded.kb = ok(client.post("/api/v1/knowledge-bases", json={
        "name": "handbook", "embedding_model": "compat:hashing/bow", "embedding_config": {"dimensions": 384}}))
    document = ok(client.post(f"/api/v1/knowledge-bases/{seeded.kb['id']}/documents", json={
        "name": "refunds.md", "text": "# Refunds\nRefunds reach the card within five days.",
        "metadata": {"lang": "en", "tags": ["billing", "cards"], "reviewed": True}}), 202)

    start_run(seeded, "agent", {"agent": "helper"}, "remember the tea")
    start_run(seeded, "workflow", {"workflow": "triage"}, "hello workflow")
    start_run(seeded, "approved", {"agent": "approver"}, "store this")
    start_run(seeded, "pending", {"agent": "approver"}, "store that")
    for name in ("agent", "workflow"):
        run = wait_for_status(client, seeded.runs[name], TERMINAL)
        assert run["status"] == "succeeded", run
    for name in ("approved", "pending"):
        wait_for_status(client, seeded.runs[name], ("waiting",))
    ok(client.post(f"/api/v1/runs/{seeded.runs['approved']}/resume", json={"approve": True}), 202)
    wait_for_status(client, seeded.runs["approved"], TERMINAL)

    def ingested():
        body = client.get(f"/api/v1/knowledge-bases/{seeded.kb['id']}/documents/{document['id']}").json()
        return body if body["status"] in ("ready", "failed") else None
    assert wait_until(ingested, timeout_s=60, what="the document to be ingested", interval_s=0.05)["status"] == "ready"
    return seeded
