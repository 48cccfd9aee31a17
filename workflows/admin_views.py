"""Workflow authoring pages of the admin console: write a new version (a JSON editor whose errors are
listed per node and field, with a preview diagram), promote a version (a confirmation page).

Both go through `workflows.services` exactly as the API does."""
from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.safestring import mark_safe

from accounts.admin_scoping import DEPLOY, WRITE, admin_url, user_can
from agent_platform.api.errors import ApiError
from agent_platform.versioning import ENVIRONMENT_CHOICES, ENVIRONMENTS
from runtime.graph import node_types
from workflows import selectors, services
from workflows.diagram import graph_svg
from workflows.models import Workflow, WorkflowVersion
from workflows.references import validate_references

STARTER_BODY = {"graph": {"nodes": [{"id": "start", "type": "start"},
                                    {"id": "end", "type": "end", "inputs": {"echo": "$.input"}}],
                          "edges": [{"from": "start", "to": "end"}]}}


class VersionForm(forms.Form):
    body = forms.CharField(strip=False, widget=forms.Textarea(attrs={
        "rows": 28, "cols": 110, "spellcheck": "false", "class": "vLargeTextField json",
        "style": "font-family: monospace"}),
        help_text='{"graph": {"nodes": [...], "edges": [...]}, "input_schema"?: {...}, "limits"?: {...}}')

    def clean_body(self) -> dict:
        try:
            body = json.loads(self.cleaned_data["body"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).")
        if not isinstance(body, dict):
            raise forms.ValidationError("The version body must be a JSON object.")
        return body


class PromoteForm(forms.Form):
    environment = forms.ChoiceField(choices=ENVIRONMENT_CHOICES, widget=forms.RadioSelect)
    note = forms.CharField(required=False, max_length=500, widget=forms.TextInput(attrs={"size": 60}))


def error_rows(errors: dict[str, list[str]]) -> list[dict[str, str]]:
    """API error keys (`graph.nodes.<node>.<field>`) as table rows: node, field, message."""
    rows = []
    for key, problems in sorted(errors.items()):
        node, field = "", key
        if key.startswith("graph.nodes."):
            node, _, field = key[len("graph.nodes."):].partition(".")
        rows.extend({"node": node, "field": field, "message": problem} for problem in problems)
    return rows


def _page(model_admin, request: HttpRequest, template: str, status: int = 200, **context) -> TemplateResponse:
    base = {**model_admin.admin_site.each_context(request), "opts": model_admin.model._meta}
    return TemplateResponse(request, template, {**base, **context}, status=status)


def _preview(body: dict | None) -> str | None:
    graph = (body or {}).get("graph")
    return mark_safe(graph_svg(graph)) if isinstance(graph, dict) else None  # noqa: S308 - labels are escaped


def new_version_view(model_admin, request: HttpRequest, object_id: str) -> HttpResponse:
    """GET: the editor prefilled from the latest version. POST: validate and create the version, or
    list every problem by node and field (and still draw what parses)."""
    workflow: Workflow = model_admin.object_or_404(request, object_id)
    if not user_can(request.user, WRITE, workflow.project):
        raise PermissionDenied
    latest = selectors.latest_version(workflow)
    context = {"workflow": workflow, "latest": latest, "title": f"New version of {workflow.name}",
               "node_types": sorted((name, json.dumps(cls.config_schema, indent=1))
                                    for name, cls in node_types().items())}
    if request.method != "POST":
        body = latest.body if latest else STARTER_BODY
        form = VersionForm(initial={"body": json.dumps(body, indent=2, ensure_ascii=False)})
        return _page(model_admin, request, "admin/workflows/workflow/new_version.html", form=form,
                     preview=_preview(body), errors=[], **context)
    form = VersionForm(request.POST)
    errors: list[dict[str, str]] = []
    body = None
    if form.is_valid():
        body = form.cleaned_data["body"]
        try:
            version, created = services.create_workflow_version(workflow=workflow, body=body, created_by=request.user,
                                                                validate_refs=validate_references)
        except ApiError as error:
            errors = error_rows(error.errors or {"body": [str(error.detail)]})
        else:
            if created:
                messages.success(request, f"Created version {version.number} of {workflow.name}.")
            else:
                messages.warning(request, f"Not saved: the body is identical to version {version.number}.")
            return HttpResponseRedirect(admin_url(version))
    return _page(model_admin, request, "admin/workflows/workflow/new_version.html", status=400, form=form,
                 errors=errors, preview=_preview(body), **context)


def _environment_rows(workflow: Workflow, version: WorkflowVersion, can_deploy: bool) -> list[dict]:
    current = selectors.environments(workflow)
    return [{"name": name, "current": current.get(name), "target": version.number,
             "unchanged": current.get(name) == version.number, "allowed": name != "prod" or can_deploy}
            for name in ENVIRONMENTS]


def promote_view(model_admin, request: HttpRequest, object_id: str) -> HttpResponse:
    """A confirmation page: each environment's current version and the one it will point at.
    POST with `environment` promotes; prod needs `deploy_project` on the project."""
    version: WorkflowVersion = model_admin.object_or_404(request, object_id)
    workflow = version.workflow
    if not user_can(request.user, WRITE, workflow.project):
        raise PermissionDenied
    can_deploy = user_can(request.user, DEPLOY, workflow.project)
    status = 200
    if request.method == "POST" and "cancel" in request.POST:
        return HttpResponseRedirect(admin_url(workflow))
    if request.method == "POST":
        form = PromoteForm(request.POST)
        status = 400
        if form.is_valid():
            status, done = _promote(request, form, workflow, version, can_deploy)
            if done:
                return HttpResponseRedirect(admin_url(workflow))
    else:
        form = PromoteForm(initial={"environment": request.GET.get("environment", "dev")})
    return _page(model_admin, request, "admin/workflows/workflowversion/promote.html", status=status,
                 workflow=workflow, version=version, form=form, rows=_environment_rows(workflow, version, can_deploy),
                 title=f"Promote {workflow.name} v{version.number}")


def _promote(request: HttpRequest, form: PromoteForm, workflow: Workflow, version: WorkflowVersion,
             can_deploy: bool) -> tuple[int, bool]:
    environment = form.cleaned_data["environment"]
    if environment == "prod" and not can_deploy:
        form.add_error("environment", "Promoting to prod needs the admin role (deploy_project) on this project.")
        return 403, False
    try:
        promotion = services.promote(workflow=workflow, version=version, environment=environment,
                                     actor=request.user.username, note=form.cleaned_data.get("note", ""))
    except ApiError as error:
        form.add_error(None, str(error.detail))
        return 400, False
    was = f"v{promotion.previous_version.number}" if promotion.previous_version else "nothing"
    messages.success(request, f"{environment} now points at v{version.number} of {workflow.name} (was {was}).")
    return 200, True
