"""Small factories for workflow tests: graphs, workflows with one version, runs executed in-process."""
from __future__ import annotations

from typing import Any

from runs import services as run_services
from runs.executor import execute_run
from runs.models import Event, Run
from tests.runtime.graph.graphs import chain, edge, graph, node  # noqa: F401 - re-exported builders
from workflows import services
from workflows.references import validate_references


def make_workflow(project, graph_def: dict[str, Any], name: str = "flow", **body: Any):
    """A workflow with one version (references checked, as the API does)."""
    workflow = services.create_workflow(project=project, name=name)
    version, _ = services.create_workflow_version(workflow=workflow, body={"graph": graph_def, **body},
                                                  validate_refs=validate_references)
    return workflow, version


def run_workflow(project, name: str = "flow", input: dict | None = None, **kwargs: Any) -> Run:
    """Create a run and execute it on this thread (the worker code path); returns the refreshed run."""
    run = run_services.create_run(project=project, workflow=name, input=input or {}, **kwargs)
    execute_run(run.pk)
    return Run.objects.get(pk=run.pk)


def execute(run: Run) -> Run:
    execute_run(run.pk)
    return Run.objects.get(pk=run.pk)


def events(run: Run, type: str | None = None) -> list[Event]:
    query = Event.objects.filter(run_id=run.pk).order_by("seq")
    return list(query.filter(type=type) if type else query)


def http_node(node_id: str, url: str, method: str = "GET", **extra: Any) -> dict[str, Any]:
    return node(node_id, "http", {"method": method, "url": url}, **extra)
