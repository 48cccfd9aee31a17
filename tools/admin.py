"""Tools in the admin console: custom tools (versions read-only, schemas pretty-printed), MCP
servers with "refresh tools", the OpenAPI import and playground pages, KV entries, approval
decisions and the queue of runs waiting for a tool approval.

Pages live in tools/admin_views.py; project scoping in accounts/admin_scoping.py.
"""
from __future__ import annotations

import json

from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.urls import path, reverse
from django.utils.html import format_html

from accounts.admin_scoping import WRITE, ProjectFilter, ProjectScopedAdmin, admin_url, user_can
from agent_platform.definitions.admin import ImmutableAdmin, ProjectChoiceAdmin, VersionBodyInline, pretty_json
from tools import admin_views, mcp_services, services
from tools.admin_forms import CustomToolForm, McpServerForm
from tools.building import build_tool
from tools.models import STDIO, CustomTool, CustomToolVersion, KVEntry, McpServer, PendingToolApproval, ToolApproval

MANAGE = "manage_project"
PREVIEW_CHARS = 120


def _preview(value) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


class CustomToolVersionInline(VersionBodyInline):
    model = CustomToolVersion
    verbose_name_plural = "versions (newest first, immutable)"
    fields = ["number", "created_by", "created_at", "pretty_body"]
    readonly_fields = fields


@admin.register(CustomTool)
class CustomToolAdmin(ProjectChoiceAdmin):
    form = CustomToolForm
    change_list_template = "admin/tools/customtool/change_list.html"
    list_display = ["name", "project", "kind", "latest", "mcp_server", "updated_at"]
    list_filter = ["kind", ProjectFilter]
    list_select_related = ["project", "mcp_server"]
    search_fields = ["name", "=id"]
    inlines = [CustomToolVersionInline]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["project", "name", "description", "body"]
        return ["project", "name", "description", "kind", "id", "mcp_server", "policy", "input_schema",
                "output_schema", "body", "created_at", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["project", "kind", "id", "mcp_server", "policy", "input_schema", "output_schema", "created_at",
                "updated_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            form.base_fields["body"].label = "New version body (optional)"
            form.base_fields["body"].required = False
        return form

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("import-openapi/", view(self.import_openapi), name="tools_customtool_import_openapi"),
                path("playground/", view(self.playground), name="tools_customtool_playground"),
                *super().get_urls()]

    def import_openapi(self, request):
        return admin_views.import_openapi_view(self, request)

    def playground(self, request):
        return admin_views.playground_view(self, request)

    def save_model(self, request, obj, form, change):
        body = form.cleaned_data.get("body")
        if not change:
            tool, _ = services.create_custom_tool(project=obj.project, name=obj.name, description=obj.description,
                                                  body=body, created_by=request.user)
            obj.pk = tool.pk
            return
        fields = {f: form.cleaned_data[f] for f in ("name", "description") if f in form.changed_data}
        if fields:
            services.update_custom_tool(tool=obj, **fields)
        if body is not None:
            version, created = services.create_tool_version(tool=obj, body=body, created_by=request.user)
            level, text = (messages.SUCCESS, f"Created version {version.number}.") if created else (
                messages.WARNING, f"No new version: the body is identical to version {version.number}.")
            self.message_user(request, text, level)

    def _spec(self, obj: CustomTool):
        version = obj.latest_version()
        return build_tool(obj, version).spec if version else None

    @admin.display(description="latest")
    def latest(self, obj: CustomTool) -> str:
        version = obj.latest_version()
        return f"v{version.number}" if version else "—"

    @admin.display(description="input schema")
    def input_schema(self, obj: CustomTool) -> str:
        spec = self._spec(obj)
        return pretty_json(spec.input_schema) if spec else "—"

    @admin.display(description="output schema")
    def output_schema(self, obj: CustomTool) -> str:
        spec = self._spec(obj)
        return pretty_json(spec.output_schema) if spec else "—"

    @admin.display(description="call policy")
    def policy(self, obj: CustomTool) -> str:
        spec = self._spec(obj)
        if spec is None:
            return "—"
        return format_html("side effect <b>{}</b> · timeout {} s · {} · rate limit {} · secrets {}",
                           spec.side_effect, spec.timeout_s,
                           "requires approval" if spec.requires_approval else "no approval",
                           f"{spec.rate_limit_per_min}/min" if spec.rate_limit_per_min else "none",
                           ", ".join(spec.secret_refs) or "none")


@admin.register(McpServer)
class McpServerAdmin(ProjectChoiceAdmin):
    form = McpServerForm
    change_form_template = "admin/tools/mcpserver/change_form.html"
    list_display = ["name", "project", "transport", "target", "tool_count", "last_listed_at"]
    list_filter = ["transport", ProjectFilter]
    search_fields = ["name", "=id"]
    actions = ["refresh_selected"]
    readonly_fields = ["listed_tools", "last_listed_at"]

    def get_fields(self, request, obj=None):
        fields = ["project", "name", "transport", "command", "args", "env", "url", "headers", "timeout_s",
                  "requires_approval"]
        return fields + (["last_listed_at", "listed_tools"] if obj else [])

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (["project", "name", "transport"] if obj else [])

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        user = request.user

        class ScopedForm(form):
            def clean(self):
                data = super().clean()
                project = data.get("project") or getattr(self.instance, "project", None)
                transport = data.get("transport") or getattr(self.instance, "transport", None)
                if transport == STDIO and project is not None and not user_can(user, MANAGE, project):
                    self.add_error(None, "A stdio MCP server runs a command on the worker hosts: it needs the admin "
                                         f"role ({MANAGE}) on {project.slug}.")
                return data
        return ScopedForm

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.transport == STDIO:
            return user_can(request.user, MANAGE, obj.project)
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = {f: form.cleaned_data[f] for f in ("name", "transport", "command", "args", "env", "url", "headers",
                                                  "timeout_s", "requires_approval")}
        obj.pk = mcp_services.create_mcp_server(project=form.cleaned_data["project"], **data).pk

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<path:object_id>/refresh/", view(self.refresh), name="tools_mcpserver_refresh"),
                *super().get_urls()]

    def refresh(self, request, object_id):
        return admin_views.refresh_view(self, request, object_id)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        server = self.object_or_404(request, object_id)
        extra = {"can_refresh": user_can(request.user, WRITE, server.project), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)

    @admin.action(description="Refresh tools (list them into the registry)")
    def refresh_selected(self, request, queryset):
        for server in queryset.select_related("project"):
            if user_can(request.user, WRITE, server.project):
                admin_views.refresh_with_message(request, server)

    @admin.display(description="command / URL")
    def target(self, obj: McpServer) -> str:
        return " ".join([obj.command, *obj.args]) if obj.transport == STDIO else obj.url

    @admin.display(description="tools")
    def tool_count(self, obj: McpServer) -> int:
        return len(obj.tools)

    @admin.display(description="listed tools")
    def listed_tools(self, obj: McpServer) -> str:
        return pretty_json([{"name": t.get("name"), "description": t.get("description")} for t in obj.tools])


@admin.register(KVEntry)
class KVEntryAdmin(ProjectScopedAdmin):
    list_display = ["key", "project", "value_preview", "expires_at", "updated_at"]
    list_filter = [ProjectFilter]
    search_fields = ["key"]
    fields = ["project", "key", "pretty_value", "expires_at", "updated_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # written by the kv tool only

    @admin.display(description="value")
    def value_preview(self, obj: KVEntry) -> str:
        return _preview(obj.value)

    @admin.display(description="value")
    def pretty_value(self, obj: KVEntry) -> str:
        return pretty_json(obj.value)


@admin.register(ToolApproval)
class ToolApprovalAdmin(ImmutableAdmin):  # part of the audit trail
    project_field = "run__project"
    list_display = ["decided_at", "tool", "decision", "reason", "actor", "run_link"]
    list_filter = ["approved", ProjectFilter]
    search_fields = ["tool", "=run__id", "actor"]
    fields = ["run_link", "tool", "key", "pretty_input", "approved", "reason", "actor", "decided_at"]
    readonly_fields = fields

    @admin.display(description="decision", boolean=False)
    def decision(self, obj: ToolApproval) -> str:
        return "approved" if obj.approved else "rejected"

    @admin.display(description="run")
    def run_link(self, obj: ToolApproval) -> str:
        return format_html('<a href="{}">{}</a>', admin_url(obj.run), obj.run_id)

    @admin.display(description="input")
    def pretty_input(self, obj: ToolApproval) -> str:
        return pretty_json(obj.input)


@admin.register(PendingToolApproval)
class PendingToolApprovalAdmin(ImmutableAdmin):
    """Runs waiting for a tool approval, each with Approve / Reject."""

    list_display = ["id", "project", "tool", "proposed_input", "waiting_since", "decision_buttons"]
    list_filter = [ProjectFilter]
    search_fields = ["=id"]
    ordering = ["-created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status="waiting", waiting_for__reason="tool_approval") \
            .select_related("project")

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<path:object_id>/decide/", view(self.decide), name="tools_pendingtoolapproval_decide"),
                *super().get_urls()]

    def decide(self, request, object_id):
        return admin_views.decide_view(self, request, object_id)

    def _prompt(self, run) -> dict:
        return (run.waiting_for or {}).get("prompt") or {}

    @admin.display(description="tool")
    def tool(self, run) -> str:
        return str(self._prompt(run).get("tool", "—"))

    @admin.display(description="proposed input")
    def proposed_input(self, run) -> str:
        return _preview(self._prompt(run).get("input"))

    @admin.display(description="waiting since", ordering="created_at")
    def waiting_since(self, run):
        return run.started_at or run.created_at

    @admin.display(description="")
    def decision_buttons(self, run) -> str:
        url = reverse("admin:tools_pendingtoolapproval_decide", args=[quote(run.pk)])
        return format_html('<a class="button" href="{}?approve=1">Approve…</a> '
                           '<a class="button" href="{}?approve=0">Reject…</a>', url, url)
