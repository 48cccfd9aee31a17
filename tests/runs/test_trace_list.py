"""`GET /api/v1/traces`: run-level trace summaries across runs, filtered and paginated; `?run=`
still lists one run's spans; bad filter values are 400 problem+json naming the parameter."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from runs import services
from runs.models import Run, Span
from tests.conftest import client_for, make_key
from tests.runs.factories import scripted_agent
from tests.workflows.factories import chain, make_workflow, node

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def finished(run: Run, status: str, *, created: datetime, run_ms: float, usage: dict | None = None) -> Run:
    Run.objects.filter(pk=run.pk).update(status=status, created_at=created, started_at=created + timedelta(
        milliseconds=10), finished_at=created + timedelta(milliseconds=10 + run_ms), usage=usage or {})
    return Run.objects.get(pk=run.pk)


@pytest.fixture
def runs(project):
    helper, _ = scripted_agent(project, "helper")
    from agents import services as agent_services
    agent_services.create_agent_version(agent=helper, body={"model": "scripted/helper", "instructions": "v2"})
    scripted_agent(project, "other")
    make_workflow(project, chain(node("start", "start"), node("end", "end")), name="flow")
    a1 = finished(services.create_run(project=project, agent="helper", version=1, input={"message": "hi"}),
                  "succeeded", created=T0, run_ms=120,
                  usage={"input_tokens": 10, "output_tokens": 5, "cost_usd": 0.002})
    a2 = finished(services.create_run(project=project, agent="helper", input={"message": "again"}),
                  "failed", created=T0 + timedelta(hours=1), run_ms=30)
    o1 = finished(services.create_run(project=project, agent="other", input={"message": "x"}),
                  "succeeded", created=T0 + timedelta(hours=2), run_ms=5)
    w1 = finished(services.create_run(project=project, workflow="flow", input={}),
                  "succeeded", created=T0 + timedelta(hours=3), run_ms=50)
    for i in range(3):
        Span.objects.create(id=f"sp{i}", run=a1, kind="model", name="m", started_at=T0, duration_ms=1)
    return {"a1": a1, "a2": a2, "o1": o1, "w1": w1}


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["run_id"] for item in response.json()["data"]]


def test_lists_one_summary_per_run_newest_first(api, runs):
    body = api.get("/api/v1/traces").json()
    assert [t["run_id"] for t in body["data"]] == [runs[k].pk for k in ("w1", "o1", "a2", "a1")]
    assert body["next_cursor"] is None
    a1 = body["data"][3]
    assert a1 == {**a1, "id": runs["a1"].pk, "kind": "agent", "agent": runs["a1"].agent_id, "agent_name": "helper",
                  "workflow": None, "version": 1, "environment": None, "status": "succeeded",
                  "latency_ms": 120.0, "input_tokens": 10, "output_tokens": 5, "tokens": 15, "cost_usd": 0.002,
                  "span_count": 3}
    assert a1["started_at"].startswith("2026-11-30T12:00:00.01") and a1["ended_at"].startswith("2026-11-30T12:00:00.13")
    assert body["data"][0]["workflow_name"] == "flow" and body["data"][0]["span_count"] == 0


def test_filters_by_agent_workflow_version_status_and_time(api, runs):
    assert ids(api.get("/api/v1/traces?agent=helper")) == [runs["a2"].pk, runs["a1"].pk]
    assert ids(api.get(f"/api/v1/traces?agent={runs['o1'].agent_id}")) == [runs["o1"].pk]
    assert ids(api.get("/api/v1/traces?workflow=flow")) == [runs["w1"].pk]
    assert ids(api.get("/api/v1/traces?agent=helper&version=2")) == [runs["a2"].pk]
    assert ids(api.get("/api/v1/traces?status=failed")) == [runs["a2"].pk]
    assert ids(api.get("/api/v1/traces?status=failed,succeeded&agent=helper")) == [runs["a2"].pk, runs["a1"].pk]
    window = api.get("/api/v1/traces", {"since": "2026-11-30T13:00:00Z", "until": "2026-11-30T15:00:00+00:00"})
    assert ids(window) == [runs["o1"].pk, runs["a2"].pk]
    assert ids(api.get("/api/v1/traces?agent=nobody")) == []


def test_cursor_pagination_walks_every_run_once(api, runs):
    seen, cursor = [], None
    while True:
        body = api.get("/api/v1/traces", {"limit": 1, **({"cursor": cursor} if cursor else {})}).json()
        seen += [t["run_id"] for t in body["data"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [runs[k].pk for k in ("w1", "o1", "a2", "a1")]


def test_another_projects_runs_are_never_listed(runs, other_project):
    scripted_agent(other_project, "helper")
    services.create_run(project=other_project, agent="helper", input={"message": "theirs"})
    other = client_for(make_key(other_project, "viewer"))
    assert len(ids(other.get("/api/v1/traces"))) == 1
    assert ids(other.get(f"/api/v1/traces?agent={runs['a1'].agent_id}")) == []
    assert other.get(f"/api/v1/traces?run={runs['a1'].pk}").status_code == 404


@pytest.mark.parametrize(("query", "field"), [
    ("since=yesterday", "since"), ("until=2026-11-30T12:00:00", "until"),  # no time zone
    ("since=2026-11-30T12:00:00Z&until=2026-11-30T11:00:00Z", "until"),
    ("version=0", "version"), ("version=two", "version"), ("status=done", "status"),
    ("environment=qa", "environment"), ("limit=0", "limit"), ("cursor=%%%", "cursor"),
    ("agent=a&workflow=b", "workflow"), ("agnet=helper", "agnet"), ("run=", "run"),
])
def test_bad_filter_values_are_problems_naming_the_parameter(api, runs, query, field):
    response = api.get(f"/api/v1/traces?{query}")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert list(response.json()["errors"]) == [field]


def test_run_parameter_still_lists_that_runs_spans(api, runs):
    body = api.get(f"/api/v1/traces?run={runs['a1'].pk}").json()
    assert sorted(span["id"] for span in body["data"]) == ["sp0", "sp1", "sp2"]
    assert body["data"][0]["kind"] == "model" and body["next_cursor"] is None


def test_the_openapi_schema_documents_filters_and_page_shape(api):
    schema = api.get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/traces"]["get"]
    params = {p["name"]: p for p in operation["parameters"]}
    assert set(params) >= {"run", "agent", "workflow", "version", "environment", "status", "since", "until",
                           "cursor", "limit"}
    assert params["since"]["schema"] == {"type": "string", "format": "date-time"}
    assert params["version"]["schema"]["type"] == "integer"
    page = schema["components"]["schemas"]["TracePageOut"]
    assert set(page["properties"]) == {"data", "next_cursor"}
    summary = schema["components"]["schemas"]["TraceSummaryOut"]["properties"]
    assert {"run_id", "agent", "workflow", "version", "environment", "status", "started_at", "ended_at",
            "latency_ms", "tokens", "cost_usd", "span_count"} <= set(summary)
    assert "400" in operation["responses"]
