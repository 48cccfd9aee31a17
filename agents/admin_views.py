"""Agent authoring pages of the admin console: write a new version, promote a version.

Both go through `agents.services` exactly as the API does; the page only translates the form
and shows the service's field errors next to the fields.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse

from accounts.admin_scoping import DEPLOY, WRITE, admin_url, user_can
from agent_platform.api.errors import ApiError
from agent_platform.versioning import ENVIRONMENTS
from agents import selectors, services
from agents.admin_forms import PromoteForm, VersionForm
from agents.models import Agent, AgentVersion
from agents.references import validate_references


def _page(model_admin, request: HttpRequest, template: str, status: int = 200, **context) -> TemplateResponse:
    base = {**model_admin.admin_site.each_context(request), "opts": model_admin.model._meta}
    return TemplateResponse(request, template, {**base, **context}, status=status)


def _agent_url(agent: Agent) -> str:
    return admin_url(agent)


def new_version_view(model_admin, request: HttpRequest, object_id: str) -> HttpResponse:
    """GET: a form prefilled from the latest version. POST: create the version (or say which
    existing version has the same body) and go back to the agent."""
    agent = model_admin.object_or_404(request, object_id)
    if not user_can(request.user, WRITE, agent.project):
        raise PermissionDenied
    latest = agent.versions.order_by("-number").first()
    if request.method != "POST":
        form = VersionForm(initial=VersionForm.initial_from(latest.body if latest else None))
        return _page(model_admin, request, "admin/agents/agent/new_version.html", agent=agent, latest=latest,
                     form=form, title=f"New version of {agent.name}")
    form = VersionForm(request.POST)
    if form.is_valid():
        try:
            version, created = services.create_agent_version(agent=agent, body=form.body(), created_by=request.user,
                                                             validate_refs=validate_references)
        except ApiError as error:
            form.add_api_errors(error)
        else:
            if created:
                messages.success(request, f"Created version {version.number} of {agent.name}.")
            else:
                messages.warning(request, f"Not saved: the body is identical to version {version.number}.")
            return HttpResponseRedirect(_agent_url(agent))
    return _page(model_admin, request, "admin/agents/agent/new_version.html", status=400, agent=agent,
                 latest=latest, form=form, title=f"New version of {agent.name}")


def _environment_rows(agent: Agent, version: AgentVersion, can_deploy: bool) -> list[dict]:
    current = selectors.environments(agent)
    return [{"name": name, "current": current.get(name), "target": version.number,
             "unchanged": current.get(name) == version.number, "allowed": name != "prod" or can_deploy}
            for name in ENVIRONMENTS]


def promote_view(model_admin, request: HttpRequest, object_id: str) -> HttpResponse:
    """A confirmation page: each environment's current version and the one it will point at.
    POST with `environment` promotes; prod needs `deploy_project` on the project."""
    version = model_admin.object_or_404(request, object_id)
    agent = version.agent
    if not user_can(request.user, WRITE, agent.project):
        raise PermissionDenied
    can_deploy = user_can(request.user, DEPLOY, agent.project)
    status = 200
    if request.method == "POST" and "cancel" in request.POST:
        return HttpResponseRedirect(_agent_url(agent))
    if request.method == "POST":
        form = PromoteForm(request.POST)
        if form.is_valid():
            status, done = _promote(request, form, agent, version, can_deploy)
            if done:
                return HttpResponseRedirect(_agent_url(agent))
        else:
            status = 400
    else:
        form = PromoteForm(initial={"environment": request.GET.get("environment", "dev")})
    return _page(model_admin, request, "admin/agents/agentversion/promote.html", status=status, agent=agent,
                 version=version, form=form, rows=_environment_rows(agent, version, can_deploy),
                 can_deploy=can_deploy, title=f"Promote {agent.name} v{version.number}")


def _promote(request: HttpRequest, form: PromoteForm, agent: Agent, version: AgentVersion,
             can_deploy: bool) -> tuple[int, bool]:
    environment = form.cleaned_data["environment"]
    if environment == "prod" and not can_deploy:
        form.add_error("environment", "Promoting to prod needs the admin role (deploy_project) on this project.")
        return 403, False
    try:
        promotion = services.promote(agent=agent, version=version, environment=environment,
                                     actor=request.user.username, note=form.cleaned_data.get("note", ""))
    except ApiError as error:
        for field, problems in (error.errors or {None: [str(error.detail)]}).items():
            for problem in problems:
                form.add_error(field if field in form.fields else None, problem)
        return 400, False
    was = f"v{promotion.previous_version.number}" if promotion.previous_version else "nothing"
    messages.success(request, f"{environment} now points at v{version.number} of {agent.name} (was {was}).")
    return 200, True
