"""The run viewer: a run executed in-process shows its IO, usage, events and trace waterfall."""
import re
from datetime import timedelta

import pytest

from accounts.admin_scoping import admin_url
from runs import services
from runs.executor import execute_run
from runs.models import Run, Span
from tests.runs.factories import scripted_agent

ROW = re.compile(r'<div class="ac-wf-row ac-kind-(\w+)" role="row" data-span-id="(\w+)" data-parent-id="(\w*)"\s+'
                 r'data-depth="(\d+)" data-offset="([\d.]+)" data-width="([\d.]+)">')


def waterfall_rows(html: str) -> list[dict]:
    return [{"kind": kind, "id": span_id, "parent": parent, "depth": int(depth), "offset": float(offset),
             "width": float(width)} for kind, span_id, parent, depth, offset, width in ROW.findall(html)]


@pytest.mark.django_db(transaction=True)
def test_executed_run_shows_its_spans_on_one_time_axis(project, member_client):
    scripted_agent(project, tools=["kv"], script=[
        {"tool_calls": [{"name": "kv", "arguments": {"op": "set", "key": "greeting", "value": "hello"}}]},
        {"text": "stored"}])
    run = services.create_run(project=project, agent="helper", input={"message": "remember hello"})
    assert execute_run(run.pk) == "succeeded"
    run.refresh_from_db()

    page = member_client("viewer").get(admin_url(run))
    assert page.status_code == 200
    html = page.content.decode()
    rows = waterfall_rows(html)
    spans = list(Span.objects.filter(run=run).order_by("started_at"))
    assert [row["id"] for row in rows] == [span.id for span in spans]
    assert [row["kind"] for row in rows] == ["model", "tool", "model"]
    window_ms = (run.finished_at - run.started_at).total_seconds() * 1000
    for row, span in zip(rows, spans, strict=True):
        assert 0 <= row["offset"] and row["offset"] + row["width"] <= 100.001
        expected = (span.started_at - run.started_at).total_seconds() * 1000 / window_ms * 100
        assert abs(row["offset"] - expected) < 0.01
    assert rows[0]["offset"] < rows[1]["offset"] < rows[2]["offset"]  # model, then the tool, then model
    assert rows[0]["offset"] + rows[0]["width"] <= rows[1]["offset"] + 0.5  # the tool starts after the call
    assert "remember hello" in html and "stored" in html  # input and output
    assert f"{run.usage['input_tokens']} in + {run.usage['output_tokens']} out" in html
    assert html.count('class="ac-event"') == run.last_seq
    assert 'data-terminal="true"' in html and "Cancel run" not in html


@pytest.mark.django_db
def test_nested_spans_are_indented_under_their_parent(project, superuser_client, agent):
    run = services.create_run(project=project, agent="helper", input={"message": "x"})
    start = run.created_at
    Run.objects.filter(pk=run.pk).update(started_at=start, finished_at=start + timedelta(seconds=1),
                                         status="succeeded")
    for span_id, parent, offset_ms, duration_ms, kind in [("n1", "", 0, 1000, "node"),
                                                          ("m1", "n1", 100, 400, "model"),
                                                          ("t1", "n1", 600, 200, "tool")]:
        Span.objects.create(id=span_id, run=run, parent_id=parent, kind=kind, name=f"{kind} {span_id}",
                            started_at=start + timedelta(milliseconds=offset_ms), duration_ms=duration_ms,
                            ended_at=start + timedelta(milliseconds=offset_ms + duration_ms), input_tokens=7,
                            output_tokens=3, cost_usd=0.0021)
    rows = waterfall_rows(superuser_client.get(admin_url(run)).content.decode())
    assert [(r["id"], r["parent"], r["depth"]) for r in rows] == [("n1", "", 0), ("m1", "n1", 1), ("t1", "n1", 1)]
    assert [(r["offset"], r["width"]) for r in rows] == [(0, 100), (10, 40), (60, 20)]


@pytest.mark.django_db
def test_waiting_run_shows_what_it_waits_for_and_can_be_cancelled(project, member_client, agent):
    run = services.create_run(project=project, agent="helper", input={"message": "x"})
    Run.objects.filter(pk=run.pk).update(status="waiting", waiting_for={"reason": "approval", "prompt": "OK?"})
    client = member_client("developer")
    html = client.get(admin_url(run)).content.decode()
    assert "Waiting for" in html and "approval" in html
    assert 'data-terminal="false"' in html and "Cancel run" in html
    response = client.post(admin_url(run, "cancel"))
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == "cancelled"


@pytest.mark.django_db
def test_run_of_another_project_is_not_found(project, outsider_client, agent):
    run = services.create_run(project=project, agent="helper", input={"message": "x"})
    assert outsider_client.get(admin_url(run)).status_code == 404
    assert outsider_client.post(admin_url(run, "cancel")).status_code == 404


@pytest.mark.django_db
def test_viewer_links_the_agent_and_its_pinned_version(project, superuser_client, agent):
    run = services.create_run(project=project, agent="helper", input={"message": "x"})
    html = superuser_client.get(admin_url(run)).content.decode()
    assert f'href="{admin_url(agent)}">helper</a>' in html
    assert f'href="{admin_url(run.agent_version)}">v1</a>' in html
