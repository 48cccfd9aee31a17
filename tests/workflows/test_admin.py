"""The admin console: the JSON editor validates like the API (errors per node and field), the version
page renders the graph as SVG, promotion asks for confirmation (prod gated by role), pages are scoped
to the user's projects, and changes are audited."""
from __future__ import annotations

import json

import pytest
from auditlog.models import LogEntry

from accounts.admin_scoping import admin_url
from tests.admin.conftest import console_client, staff_user
from tests.workflows.factories import chain, graph, make_workflow, node
from workflows import services
from workflows.diagram import graph_svg, layers
from workflows.models import WorkflowEnvironment, WorkflowPromotion, WorkflowVersion

pytestmark = pytest.mark.django_db

SIMPLE = chain(node("start", "start"), node("end", "end"))


@pytest.fixture
def developer(wf_project):
    return console_client(staff_user("dev", project=wf_project, role="developer"))


def test_new_version_form_lists_errors_per_node_and_field(developer, wf_project):
    workflow, _ = make_workflow(wf_project, SIMPLE)
    url = admin_url(workflow, "new_version")
    page = developer.get(url)
    assert page.status_code == 200 and b"<svg" in page.content and b"Node types" in page.content
    bad = {"graph": graph([node("start", "start"), node("oops", "teleport"), node("end", "end")],
                          [("start", "oops"), ("oops", "end")])}
    response = developer.post(url, {"body": json.dumps(bad)})
    assert response.status_code == 400
    assert {"node": "oops", "field": "type"}.items() <= response.context["errors"][0].items()
    assert b'id="graph-errors"' in response.content and b'data-node="oops"' in response.content
    assert WorkflowVersion.objects.filter(workflow=workflow).count() == 1
    broken = developer.post(url, {"body": "{not json"})
    assert broken.status_code == 400 and b"Not valid JSON" in broken.content


def test_new_version_is_saved_and_its_page_shows_the_diagram(developer, wf_project):
    workflow, _ = make_workflow(wf_project, SIMPLE)
    body = {"graph": chain(node("start", "start"), node("shout", "transform", inputs={"x": "$.input.x"}),
                           node("end", "end"))}
    response = developer.post(admin_url(workflow, "new_version"), {"body": json.dumps(body)})
    assert response.status_code == 302
    version = WorkflowVersion.objects.get(workflow=workflow, number=2)
    assert response["Location"] == admin_url(version)
    page = developer.get(response["Location"])
    assert page.status_code == 200
    assert b'data-node="shout"' in page.content and b"<svg" in page.content
    assert version.created_by.username == "dev"


def test_promotion_asks_for_confirmation_and_gates_prod(developer, wf_project):
    workflow, version = make_workflow(wf_project, SIMPLE)
    page = developer.get(admin_url(version, "promote") + "?environment=stage")
    assert page.status_code == 200 and b'id="env-prod" disabled' in page.content
    assert not WorkflowPromotion.objects.exists()
    refused = developer.post(admin_url(version, "promote"), {"environment": "prod", "confirm": "1"})
    assert refused.status_code == 403
    done = developer.post(admin_url(version, "promote"), {"environment": "stage", "note": "ship it",
                                                          "confirm": "1"})
    assert done.status_code == 302
    assert WorkflowEnvironment.objects.get(workflow=workflow, name="stage").version == version
    promotion = WorkflowPromotion.objects.get()
    assert (promotion.promoted_by, promotion.note) == ("dev", "ship it")


def test_other_projects_workflows_are_not_found(wf_project, other_project):
    workflow, version = make_workflow(wf_project, SIMPLE)
    outsider = console_client(staff_user("outsider", project=other_project, role="owner"))
    assert outsider.get(admin_url(workflow)).status_code == 404
    assert outsider.get(admin_url(workflow, "new_version")).status_code == 404
    assert outsider.get(admin_url(version, "promote")).status_code == 404
    viewer = console_client(staff_user("viewer", project=wf_project, role="viewer"))
    assert viewer.get(admin_url(workflow)).status_code == 200
    assert viewer.get(admin_url(workflow, "new_version")).status_code == 403


def test_workflow_changes_are_audited(wf_project):
    workflow, version = make_workflow(wf_project, SIMPLE)
    services.promote(workflow=workflow, version=version, environment="dev", actor="someone")
    models = set(LogEntry.objects.values_list("content_type__model", flat=True))
    assert {"workflow", "workflowversion", "workflowenvironment", "workflowpromotion"} <= models


def test_diagram_layers_follow_the_longest_path_and_escape_labels():
    g = graph([node("start", "start"), node("a", "transform"), node("b", "transform"), node("end", "end")],
              [("start", "a"), ("a", "b"), ("start", "b"), ("b", "end")])
    assert layers(g["nodes"], g["edges"]) == {"start": 0, "a": 1, "b": 2, "end": 3}
    g["nodes"][1]["name"] = "<script>x</script>"
    svg = graph_svg(g)
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_console_pages_render_for_a_superuser(wf_project):
    workflow, version = make_workflow(wf_project, SIMPLE)
    root = console_client(staff_user("root", superuser=True))
    for url in ("/admin/workflows/workflow/", "/admin/workflows/workflow/add/", admin_url(workflow),
                "/admin/workflows/workflowversion/", admin_url(version)):
        assert root.get(url).status_code == 200, url
    created = root.post("/admin/workflows/workflow/add/", {"project": wf_project.pk, "name": "second",
                                                           "description": ""})
    assert created.status_code == 302
    assert WorkflowEnvironment.objects.filter(workflow__name="second").count() == 3
