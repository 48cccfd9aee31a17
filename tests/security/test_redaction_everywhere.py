"""Issue 14 item 5: one redactor per project on every write path.

Two projects each plant a secret value and PII in a run's input, in an HTTP tool's output (a
local server) and in the model's output (a local OpenAI-compatible server, streamed, with the
secret split across two deltas); the run is executed by the worker's job entry point with OTLP
export on (message content captured) to a receiver of the test's own, a dataset is made from the
run and from uploaded items (a JSON Lines file, a JSON body, a new version's body), an eval runs on
it, and every webhook is delivered to a local receiver. Then every text/JSON column of every table
(except the encrypted secret column), the platform's log stream, every OTLP payload and every
webhook body received are searched: nothing planted is found. A second test shows the redactor is
per project: project A's secret is not masked in project B's runs.
"""
from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from accounts import services as account_services
from agent_platform.observability import JsonFormatter
from agents import services as agent_services
from evals.runner import execute_eval
from runs import otel_export
from runs.models import Event, Run
from runs.tasks import execute_run as execute_run_job
from tests.conftest import client_for, make_key
from tests.evals.helpers import create_dataset
from tests.http_server import LocalHTTPServer, QuietHandler
from tests.observability.otlp_receiver import OtlpReceiver
from tests.runs.factories import scripted_agent
from tests.runtime.tools.local_server import Answer, LocalServer, json_answer
from webhooks.models import WebhookDelivery
from webhooks.tasks import deliver

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "ada.lovelace@example.org"
PHONE = "+44 20 7946 0958"
CARD = "4111 1111 1111 1111"
IBAN = "GB82 WEST 1234 5698 7654 32"
SSN = "078-05-1120"
PASSWORD = "hunter2-correct-horse"
PII = (EMAIL, PHONE, CARD, IBAN, SSN)
POLICY = {"pii": ["email", "phone", "card", "iban", "ssn"], "mask_fields": ["input.password"]}
ENCRYPTED = {("accounts_secret", "ciphertext")}


def secrets_of(slug: str) -> dict[str, str]:
    """TOKEN is sent by the tool (masked by the tool itself too); PLANTED is referenced by nothing:
    only the project's redactor knows it."""
    return {"TOKEN": f"tok-{slug}-7f3a9c2e5b1d", "PLANTED": f"planted-{slug}-4e8d2a6c9f0b"}


def sse(chunks: list[dict]) -> Answer:
    body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    return Answer(200, body.encode(), {"Content-Type": "text/event-stream"})


def chunk(delta: dict, finish: str | None = None) -> dict:
    return {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "m",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def llm_route(tool_url: str, planted: str):
    """First turn: call the http tool; second turn: an answer with the secret split over two
    deltas and every kind of PII."""
    def route(seen):
        messages = seen.json()["messages"]
        if not any(m["role"] == "tool" for m in messages):
            call = {"index": 0, "id": "call_1", "type": "function",
                    "function": {"name": "http", "arguments": json.dumps({"method": "GET", "url": tool_url})}}
            return sse([chunk({"role": "assistant", "tool_calls": [call]}), chunk({}, "tool_calls")])
        half = len(planted) // 2
        parts = [f"The key is {planted[:half]}", f"{planted[half:]} and mail {EMAIL}, ",
                 f"call {PHONE}, card {CARD}, iban {IBAN}, ssn {SSN}."]
        return sse([chunk({"role": "assistant", "content": ""})] + [chunk({"content": p}) for p in parts]
                   + [chunk({}, "stop")])
    return route


def execute_run(run_id: str) -> str:
    """The worker's job entry point (OTLP export of the execution included); the run's status."""
    execute_run_job(run_id)
    return Run.objects.get(pk=run_id).status


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[bytes]]]:
    bodies: list[bytes] = []

    class Handler(QuietHandler):
        def do_POST(self):
            bodies.append(self.body())
            self.reply(204)

    with LocalHTTPServer(Handler) as server:
        yield server.url("/hook"), bodies


@pytest.fixture
def otlp() -> Iterator[tuple[OtlpReceiver, otel_export.Pipeline]]:
    """Run spans exported, message content included, to a receiver of the test's own."""
    with OtlpReceiver() as collector:
        yield collector, otel_export.install(collector.endpoint, capture_content=True)
        otel_export.uninstall()


@pytest.fixture
def platform_log() -> Iterator[io.StringIO]:
    """The platform's own console handler (JSON formatter, request-id and redaction filters),
    pointed at a buffer, with every logger at DEBUG (httpx logs each request URL at INFO)."""
    [handler] = [h for h in logging.getLogger().handlers if isinstance(h.formatter, JsonFormatter)]
    buffer = io.StringIO()
    previous_stream = handler.setStream(buffer)
    levels = {name: logging.getLogger(name).level for name in ("", "httpx", "openai", "django.request")}
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield buffer
    handler.setStream(previous_stream)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@contextmanager
def local_servers() -> Iterator[tuple[LocalServer, LocalServer]]:
    tools, llm = LocalServer().start(), LocalServer().start()
    try:
        yield tools, llm
    finally:
        tools.stop()
        llm.stop()


def set_up_project(slug: str, tools: LocalServer, llm: LocalServer, hook_url: str):
    project = account_services.create_project(slug=slug)
    admin = client_for(make_key(project, "admin"))
    patched = admin.patch(f"/api/v1/projects/{project.pk}", {"settings": {
        "redaction": POLICY, "providers": {"compat:llm": {"base_url": llm.url(f"/{slug}/v1")}}}}, format="json")
    assert patched.status_code == 200, patched.content
    project.refresh_from_db()
    project.http_allowlist = ["127.0.0.1"]
    project.save(update_fields=["http_allowlist"])
    values = secrets_of(slug)
    for name, value in values.items():
        account_services.set_secret(project=project, name=name, value=value, allowed_hosts=["127.0.0.1"])
    # The tool's answer carries the token it was sent, the unreferenced secret and PII.
    tools.route(f"/{slug}/data", lambda seen: json_answer({
        "echo": {k.lower(): v for k, v in seen.headers.items()}.get("x-token"), "planted": values["PLANTED"],
        "contact": {"email": EMAIL, "phone": PHONE}, "payment": {"card": CARD, "iban": IBAN}, "ssn": SSN}))
    tool_url = tools.url(f"/{slug}/data") + f"?ref={values['PLANTED']}"
    llm.route(f"/{slug}/v1/chat/completions", llm_route(tool_url, values["PLANTED"]))
    agent = agent_services.create_agent(project=project, name="helper")
    agent_services.create_agent_version(agent=agent, body={
        "model": "compat:llm/m", "instructions": "Be brief.",
        "input_schema": {"type": "object", "required": ["message"],
                         "properties": {"message": {"type": "string"}, "password": {"type": "string"}}},
        "tools": [{"name": "http", "config": {"headers": {"X-Token": "{secret:TOKEN}"}}}]})
    endpoint = admin.post("/api/v1/webhooks", {"url": hook_url, "event_types": ["*"]}, format="json")
    assert endpoint.status_code == 201, endpoint.content
    return project, values


def run_everything(project, values: dict[str, str], hook_url: str) -> str:
    api = client_for(make_key(project, "developer"))
    message = f"I am {EMAIL}, {PHONE}, card {CARD}, iban {IBAN}, ssn {SSN}, key {values['PLANTED']}"
    created = api.post("/api/v1/runs", {"agent": "helper", "input": {"message": message, "password": PASSWORD},
                                        "metadata": {"note": values["PLANTED"]}, "webhook_url": hook_url},
                       format="json")
    assert created.status_code == 201, created.content
    run_id = created.json()["id"]
    assert execute_run(run_id) == "succeeded"
    # A request the platform logs ("Not Found: /api/v1/runs/<path>") with the secret in its path.
    assert api.get(f"/api/v1/runs/{values['PLANTED']}").status_code == 404
    # A dataset made from the run and from uploaded items, and an eval of the agent on it (its report, its runs).
    dataset = create_dataset(project, "from-runs", [{"id": "seed", "input": {"message": "hello"}}])
    added = api.post(f"/api/v1/datasets/{dataset.pk}/items", {"from_runs": [run_id]}, format="json")
    assert added.status_code in (200, 201), added.content
    uploaded = api.post(f"/api/v1/datasets/{dataset.pk}/items", {"file": SimpleUploadedFile(
        "cases.jsonl", (json.dumps(planted_item("uploaded", values)) + "\n").encode(), "application/jsonl")},
        format="multipart")
    assert uploaded.status_code in (200, 201), uploaded.content
    given = api.post(f"/api/v1/datasets/{dataset.pk}/items", {"items": [planted_item("given", values)]},
                     format="json")
    assert given.status_code in (200, 201), given.content
    other = api.post("/api/v1/datasets", {"name": "other", "items": [planted_item("created", values)]},
                     format="json")
    assert other.status_code == 201, other.content
    version = api.post(f"/api/v1/datasets/{other.json()['id']}/versions",
                       {"items": [planted_item("versioned", values)]}, format="json")
    assert version.status_code == 201, version.content
    started = api.post("/api/v1/evals", {"dataset": "from-runs", "target": {"agent": "helper"},
                                         "metrics": [{"type": "contains", "value": "key"}]}, format="json")
    assert started.status_code in (201, 202), started.content
    assert execute_eval(started.json()["id"], worker_name="test") == "succeeded"
    return run_id


def planted_item(item_id: str, values: dict[str, str]) -> dict:
    """A dataset item as a user would upload it, with the project's secret and PII in it."""
    return {"id": item_id, "input": {"message": f"mail {EMAIL}, card {CARD}, key {values['PLANTED']}"},
            "expected": {"text": f"iban {IBAN}, ssn {SSN}, phone {PHONE}"}, "metadata": {"token": values["TOKEN"]}}


def column_hits(needles: list[str]) -> list[str]:
    """`table.column: needle` for every text/JSON column holding one of `needles`."""
    with connection.cursor() as cur:
        cur.execute("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
                    "AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY') "
                    "ORDER BY table_name, column_name")
        columns = [(t, c) for t, c in cur.fetchall() if (t, c) not in ENCRYPTED]
        hits = []
        for table, column in columns:
            for needle in needles:
                cur.execute(f'SELECT count(*) FROM "{table}" WHERE strpos("{column}"::text, %s) > 0', [needle])
                if cur.fetchone()[0]:
                    hits.append(f"{table}.{column}: {needle}")
    return hits, len(columns)


def test_nothing_planted_is_stored_logged_or_sent(receiver, platform_log, otlp):
    hook_url, bodies = receiver
    collector, pipeline = otlp
    with local_servers() as (tools, llm):
        planted, run_ids = [], []
        for slug in ("tenant-a", "tenant-b"):
            project, values = set_up_project(slug, tools, llm, hook_url)
            run_id = run_everything(project, values, hook_url)
            run_ids.append(run_id)
            planted += list(values.values())
            # The run really used the planted data: the tool got the token, the model the tool's answer.
            token_sent = [s for s in tools.seen if s.path == f"/{slug}/data"]
            assert token_sent and {k.lower(): v for k, v in token_sent[0].headers.items()}["x-token"] == values["TOKEN"]
            assert any(values["PLANTED"] in s.body.decode() for s in llm.seen if s.path.startswith(f"/{slug}/"))
            run = Run.objects.get(pk=run_id)
            assert "[REDACTED]" in run.output["text"] and "[EMAIL]" in run.output["text"]
            assert run.input["password"] == "[REDACTED]" and "[CARD]" in run.input["message"]
            deltas = "".join(e.data["text"] for e in Event.objects.filter(run_id=run_id, type="model.delta")
                             .order_by("seq"))
            assert deltas == run.output["text"]  # held back at the split, nothing lost
        for delivery in WebhookDelivery.objects.order_by("created_at"):
            assert deliver(delivery.pk) == 204
    needles = planted + list(PII) + [PASSWORD]
    assert pipeline.force_flush(30)
    # The collector got the runs' spans with their (redacted) content: the search below is not of nothing.
    exported_runs = {s.attributes.get("agent_platform.run.id") for s in collector.spans}
    assert set(run_ids) <= exported_runs and len(exported_runs) > len(run_ids)  # the eval's runs too
    assert any("gen_ai.input.messages" in s.attributes for s in collector.spans)
    assert any(b"[REDACTED]" in p for p in collector.payloads) and any(b"[EMAIL]" in p for p in collector.payloads)
    for payload in collector.payloads:
        assert not [n for n in needles if n.encode() in payload]
    hits, scanned = column_hits(needles)
    assert scanned > 50  # the scan saw the schema, not an empty list
    assert hits == []
    assert len(bodies) >= 4 and any(b'"eval.completed"' in b for b in bodies)
    for body in bodies:
        assert not [n for n in needles if n in body.decode()], body[:300]
    log = platform_log.getvalue()
    assert "Not Found: /api/v1/runs/[REDACTED]" in log and "HTTP Request:" in log  # the log saw both
    assert not [n for n in needles if n in log]


def test_a_projects_secret_is_masked_only_in_its_own_project(receiver):
    hook_url, _ = receiver
    with local_servers() as (tools, llm):
        a, a_values = set_up_project("tenant-a", tools, llm, hook_url)
        b, b_values = set_up_project("tenant-b", tools, llm, hook_url)
    text = f"compare {a_values['PLANTED']} with {b_values['PLANTED']}"
    outputs = {}
    for project in (a, b):
        scripted_agent(project, name="echo", script=[{"echo": True}])
        api = client_for(make_key(project, "developer"))
        created = api.post("/api/v1/runs", {"agent": "echo", "input": {"message": text}}, format="json")
        assert created.status_code == 201, created.content
        assert execute_run(created.json()["id"]) == "succeeded"
        outputs[project.slug] = Event.objects.get(run_id=created.json()["id"], type="run.succeeded").data["output"]
    # Each project masks its own secret only: B cannot learn that a string is A's secret by seeing it masked.
    assert outputs["tenant-a"] == {"text": f"compare [REDACTED] with {b_values['PLANTED']}"}
    assert outputs["tenant-b"] == {"text": f"compare {a_values['PLANTED']} with [REDACTED]"}
