"""Pages of the tools admin: OpenAPI import, the tool playground, refreshing an MCP server and
deciding on a tool call waiting for approval. Each goes through the same services as the API."""
from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from accounts.admin_scoping import WRITE, admin_url, user_can
from agent_platform.api.errors import ApiError
from agent_platform.service_errors import ServiceError
from runtime.errors import ToolError
from runtime.tools.registry import BUILTIN_NAMES
from tools import mcp_services, playground, services
from tools.admin_forms import DecisionForm, ImportOpenAPIForm, PlaygroundForm, add_api_errors
from tools.api.problems import tool_error_status
from tools.models import CustomTool


def _page(model_admin, request: HttpRequest, template: str, status: int = 200, **context) -> TemplateResponse:
    base = {**model_admin.admin_site.each_context(request), "opts": model_admin.model._meta}
    return TemplateResponse(request, template, {**base, **context}, status=status)


def import_openapi_view(model_admin, request: HttpRequest) -> HttpResponse:
    """GET: the import form. POST: one custom tool per chosen operation, then the tool list."""
    form = ImportOpenAPIForm(request.POST or None)
    form.limit_projects(request.user)
    if request.method == "POST" and form.is_valid():
        try:
            tools = services.import_openapi(created_by=request.user, **form.import_arguments())
        except (ApiError, ServiceError) as error:
            add_api_errors(form, error, default="document")
        else:
            messages.success(request, f"Imported {len(tools)} tools: {', '.join(t.name for t in tools)}.")
            return HttpResponseRedirect(reverse("admin:tools_customtool_changelist"))
    return _page(model_admin, request, "admin/tools/form_page.html", status=400 if form.errors else 200, form=form,
                 title="Import tools from an OpenAPI document", submit="Import",
                 help="Each chosen operation becomes a custom tool (kind openapi) called through the SSRF-safe HTTP "
                      "client with the project's allow-list.")


def playground_view(model_admin, request: HttpRequest) -> HttpResponse:
    """GET: pick a tool and write its input. POST: run one call (all protections) and show the
    output or the tool error."""
    form = PlaygroundForm(request.POST or None, initial={"tool": request.GET.get("tool", ""),
                                                        "project": request.GET.get("project")})
    form.limit_projects(request.user)
    result = None
    if request.method == "POST" and form.is_valid():
        result = _invoke(form)
    names = [*BUILTIN_NAMES, *CustomTool.objects.filter(project__in=form.fields["project"].queryset)
             .values_list("name", flat=True).distinct()]
    return _page(model_admin, request, "admin/tools/form_page.html", status=400 if form.errors else 200, form=form,
                 title="Tool playground", submit="Run", result=result, tool_names=names,
                 help="One call outside a run, with input/output validation, the project's HTTP allow-list, the "
                      "code sandbox, timeouts, rate limits and secret redaction.")


def _invoke(form: PlaygroundForm) -> dict | None:
    data = form.cleaned_data
    try:
        tool = playground.playground_tool(data["project"], data["tool"], data.get("config"))
        outcome = playground.invoke_tool(project=data["project"], tool=tool, input=data.get("input") or {},
                                         approve=data.get("approve", False), config=data.get("config"))
    except (ApiError, ServiceError) as error:
        add_api_errors(form, error, default="tool")
        return None
    if outcome.error is not None:
        return {"ok": False, "status": tool_error_status(outcome.error), "error": outcome.error,
                "pretty": json.dumps(outcome.error, indent=2, ensure_ascii=False)}
    return {"ok": True, "latency_ms": outcome.latency_ms,
            "pretty": json.dumps(outcome.output, indent=2, ensure_ascii=False)}


def refresh_view(model_admin, request: HttpRequest, object_id: str) -> HttpResponse:
    """POST: list the server's tools into the registry, then back to the server."""
    server = model_admin.object_or_404(request, object_id)
    if request.method != "POST" or not user_can(request.user, WRITE, server.project):
        raise PermissionDenied
    refresh_with_message(request, server)
    return HttpResponseRedirect(admin_url(server))


def refresh_with_message(request: HttpRequest, server) -> None:
    try:
        changes = mcp_services.refresh_mcp_server(server=server, created_by=request.user)
    except (ToolError, ApiError, ServiceError) as error:
        detail = error.message if isinstance(error, ToolError) else str(error.detail)
        messages.error(request, f"Could not refresh {server.name}: {detail}")
        return
    summary = ", ".join(f"{kind}: {', '.join(names)}" for kind, names in changes.items() if names) or "no changes"
    messages.success(request, f"Refreshed {server.name} ({len(server.tools)} tools; {summary}).")


def decide_view(model_admin, request: HttpRequest, object_id: str) -> HttpResponse:
    """The proposed call and Approve / Reject: POST resumes the run with the decision."""
    from runs.services import resume_run

    run = model_admin.object_or_404(request, object_id)
    if not user_can(request.user, WRITE, run.project):
        raise PermissionDenied
    prompt = (run.waiting_for or {}).get("prompt") or {}
    initial = {"approve": request.GET.get("approve", "1")}
    form = DecisionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        answer = {"approve": form.cleaned_data["approve"], "reason": form.cleaned_data["reason"]}
        try:
            resume_run(run=run, answer=answer)
        except (ApiError, ServiceError) as error:
            add_api_errors(form, error)
        else:
            verdict = "Approved" if answer["approve"] else "Rejected"
            messages.success(request, f"{verdict} {prompt.get('tool')} for run {run.pk}; the run is queued again.")
            return HttpResponseRedirect(reverse("admin:tools_pendingtoolapproval_changelist"))
    return _page(model_admin, request, "admin/tools/decide.html", status=400 if form.errors else 200, form=form,
                 run=run, prompt=prompt, pretty_input=json.dumps(prompt.get("input"), indent=2, ensure_ascii=False),
                 title=f"Approve or reject {prompt.get('tool')}")
