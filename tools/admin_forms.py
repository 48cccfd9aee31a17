"""Forms of the tools pages in the admin console: custom tool authoring, OpenAPI import, the
playground, MCP servers and approval decisions. They translate only; services validate."""
from __future__ import annotations

from typing import Any

from django import forms

from accounts.admin_scoping import WRITE, projects_where
from agent_platform.api.errors import ApiError
from agent_platform.definitions.admin_forms import JsonTextField
from agent_platform.service_errors import ServiceError
from tools.mcp_services import check_server
from tools.models import HTTP, CustomTool, McpServer
from tools.services import check_tool_name
from tools.spec import validate_tool_body

BODY_HELP = ('JSON, e.g. {"method": "GET", "url": "https://api.example.com/orders/{order_id}", '
             '"headers": {"Authorization": "Bearer {secret:TOKEN}"}, "requires_approval": false} — see docs/tools.md')


def add_api_errors(form: forms.Form, error: ApiError | ServiceError, default: str | None = None) -> None:
    """Show a service's field errors next to the form's fields (others at the top or on `default`)."""
    for key, messages in (error.errors or {None: [str(error.detail)]}).items():
        top = key.split(".")[0].split("[")[0] if key else None
        field = top if top in form.fields else default
        for message in messages:
            form.add_error(field, message if field == key or key is None else f"{key}: {message}")


class ProjectChoiceMixin:
    """Limits the `project` field to the projects where the user may write."""

    def limit_projects(self, user) -> None:
        self.fields["project"].queryset = projects_where(user, WRITE)  # type: ignore[attr-defined]


class CustomToolForm(ProjectChoiceMixin, forms.ModelForm):
    """Name and description; `body` is the first version (new tools) or a new version (optional)."""

    body = JsonTextField(expected=dict, label="Version body", help_text=BODY_HELP)

    class Meta:
        model = CustomTool
        fields = ["project", "name", "description"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        name, body = data.get("name"), data.get("body")
        kind = self.instance.kind if self.instance.pk else HTTP
        try:
            if name and "name" in self.changed_data:
                check_tool_name(name)
            if body is not None:
                data["body"] = validate_tool_body(kind, body)
            elif not self.instance.pk:
                self.add_error("body", "A new tool needs its first version's body.")
        except (ApiError, ServiceError) as error:
            add_api_errors(self, error, default="body")
        project = data.get("project") or getattr(self.instance, "project", None)
        if project and name and CustomTool.objects.filter(project=project, name=name).exclude(
                pk=self.instance.pk).exists():
            self.add_error("name", f"A tool named {name!r} already exists in {project.slug}.")
        return data


class McpServerForm(ProjectChoiceMixin, forms.ModelForm):
    args = JsonTextField(expected=list, help_text='stdio: arguments, e.g. ["--local-timezone", "UTC"]')
    env = JsonTextField(expected=dict, help_text='stdio: environment; values may use {secret:NAME}')
    headers = JsonTextField(expected=dict, help_text='http: headers; values may use {secret:NAME}')

    class Meta:
        model = McpServer
        fields = ["project", "name", "transport", "command", "args", "env", "url", "headers", "timeout_s",
                  "requires_approval"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for key, empty in (("args", []), ("env", {}), ("headers", {})):
            if data.get(key) is None:
                data[key] = empty
        try:
            check_server(data.get("name") or self.instance.name, data.get("transport") or self.instance.transport,
                         data.get("command") or "", data.get("url") or "", data.get("timeout_s") or 0)
        except (ApiError, ServiceError) as error:
            add_api_errors(self, error)
        return data


class ImportOpenAPIForm(ProjectChoiceMixin, forms.Form):
    project = forms.ModelChoiceField(queryset=None)
    document = forms.CharField(widget=forms.Textarea(attrs={"rows": 16, "cols": 90, "class": "vLargeTextField json"}),
                               help_text="An OpenAPI 3 document, JSON or YAML.")
    base_url = forms.URLField(required=False, help_text="Default: the document's first server URL.")
    operations = forms.CharField(required=False, help_text="operationIds to import, comma-separated (default: all).")
    prefix = forms.RegexField(r"^[A-Za-z0-9_-]{0,30}$", required=False, help_text="Prepended to each tool name.")
    headers = JsonTextField(expected=dict, help_text='Sent with every call, e.g. {"Authorization": "Bearer '
                                                     '{secret:TOKEN}"}')

    def import_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        operations = [op.strip() for op in (data.get("operations") or "").split(",") if op.strip()]
        return {"project": data["project"], "document": data["document"], "base_url": data.get("base_url") or None,
                "operations": operations or None, "prefix": data.get("prefix") or "",
                "headers": data.get("headers") or {}}


class PlaygroundForm(ProjectChoiceMixin, forms.Form):
    project = forms.ModelChoiceField(queryset=None)
    tool = forms.CharField(max_length=100, help_text="A built-in (http, kv, code, retrieval) or a custom tool's name.",
                           widget=forms.TextInput(attrs={"list": "ac-tool-names", "size": 40}))
    input = JsonTextField(expected=dict, initial="{}", help_text="The tool input (JSON object; empty means {}).")
    config = JsonTextField(expected=dict, help_text="Built-ins only: http {headers, timeout_s}, "
                                                    "code {wall_s, cpu_s, memory_mb}.")
    approve = forms.BooleanField(required=False, help_text="Needed to run a tool that requires approval.")


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(choices=[("1", "Approve"), ("0", "Reject")], coerce=lambda v: v == "1",
                                     widget=forms.RadioSelect)
    reason = forms.CharField(max_length=1000, required=False,
                             widget=forms.TextInput(attrs={"size": 80, "placeholder": "why (shown to the model on "
                                                                                      "a rejection)"}))
