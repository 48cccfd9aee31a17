"""Tool API shapes. Built-in and custom tools share `ToolOut` (built-ins have `builtin: true`)."""
from __future__ import annotations

from typing import Any

from rest_framework import serializers

from agent_platform.api.serializers import StrictSerializer
from runtime.tools.base import ToolSpec
from tools.building import build_tool
from tools.models import CustomTool, McpServer
from tools.selectors import latest_version
from tools.spec import NAME_PATTERN

KIND_CHOICES = ["builtin", "http", "openapi", "mcp"]


class ToolOut(serializers.Serializer):
    id = serializers.CharField(help_text="`tool_…` for custom tools, the name for built-ins")
    name = serializers.CharField()
    description = serializers.CharField()
    kind = serializers.ChoiceField(choices=KIND_CHOICES)
    builtin = serializers.BooleanField()
    latest_version = serializers.IntegerField(allow_null=True)
    input_schema = serializers.JSONField()
    output_schema = serializers.JSONField(allow_null=True)
    side_effect = serializers.ChoiceField(choices=["read_only", "idempotent", "side_effecting"])
    timeout_s = serializers.FloatField()
    requires_approval = serializers.BooleanField()
    rate_limit_per_min = serializers.IntegerField(allow_null=True)
    secret_refs = serializers.ListField(child=serializers.CharField())
    mcp_server = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)


def _spec_fields(spec: ToolSpec | None) -> dict[str, Any]:
    if spec is None:
        return {"input_schema": None, "output_schema": None, "side_effect": "read_only", "timeout_s": 0.0,
                "requires_approval": False, "rate_limit_per_min": None, "secret_refs": []}
    return {"input_schema": spec.input_schema, "output_schema": spec.output_schema, "side_effect": spec.side_effect,
            "timeout_s": spec.timeout_s, "requires_approval": spec.requires_approval,
            "rate_limit_per_min": spec.rate_limit_per_min, "secret_refs": list(spec.secret_refs)}


def builtin_out(spec: ToolSpec) -> dict[str, Any]:
    return ToolOut({"id": spec.name, "name": spec.name, "description": spec.description, "kind": "builtin",
                    "builtin": True, "latest_version": None, "mcp_server": None, "created_at": None,
                    "updated_at": None, **_spec_fields(spec)}).data


def custom_out(tool: CustomTool) -> dict[str, Any]:
    version = latest_version(tool)
    spec = build_tool(tool, version).spec if version is not None else None
    return ToolOut({"id": tool.pk, "name": tool.name, "description": tool.description, "kind": tool.kind,
                    "builtin": False, "latest_version": version.number if version else None,
                    "mcp_server": tool.mcp_server_id, "created_at": tool.created_at, "updated_at": tool.updated_at,
                    **_spec_fields(spec)}).data


def tool_name_field(**kwargs) -> serializers.RegexField:
    return serializers.RegexField(NAME_PATTERN, max_length=64, error_messages={
        "invalid": "Use 1-64 letters, digits, '_' or '-'."}, **kwargs)


class ToolIn(StrictSerializer):
    name = tool_name_field()
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    kind = serializers.ChoiceField(choices=["http"], required=False, default="http",
                                   help_text="`openapi` tools come from import-openapi, `mcp` ones from a refresh")
    body = serializers.JSONField(required=False, help_text="the first version's body (see POST .../versions)")


class ToolPatch(StrictSerializer):
    name = tool_name_field(required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class HttpToolVersionIn(StrictSerializer):
    """A version body; its shape depends on the tool's kind (docs/tools.md). For `http`:"""

    method = serializers.ChoiceField(choices=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
    url = serializers.CharField(help_text="template: `{field}` from the input, `{secret:NAME}` from secrets")
    headers = serializers.DictField(child=serializers.CharField(), required=False)
    query = serializers.ListField(child=serializers.CharField(), required=False)
    header_params = serializers.DictField(child=serializers.CharField(), required=False)
    body_field = serializers.CharField(required=False, allow_null=True)
    rest = serializers.ChoiceField(choices=["query", "json", "ignore"], required=False, allow_null=True)
    input_schema = serializers.DictField(required=False)
    output_schema = serializers.DictField(required=False, allow_null=True)
    timeout_s = serializers.FloatField(required=False)
    retry = serializers.DictField(required=False)
    side_effect = serializers.ChoiceField(choices=["read_only", "idempotent", "side_effecting"], required=False)
    idempotency_key_template = serializers.CharField(required=False, allow_null=True)
    requires_approval = serializers.BooleanField(required=False)
    rate_limit_per_min = serializers.IntegerField(required=False, allow_null=True)


class ImportOpenAPIIn(StrictSerializer):
    document = serializers.JSONField(help_text="the OpenAPI 3 document: JSON or YAML text, or a JSON object")
    base_url = serializers.URLField(required=False, max_length=2000, help_text="default: the document's servers[0]")
    operations = serializers.ListField(child=serializers.CharField(max_length=200), required=False,
                                       help_text="operationIds (or derived names) to import; default all")
    prefix = serializers.RegexField(r"^[A-Za-z0-9_-]{0,30}$", required=False, allow_blank=True, default="")
    headers = serializers.DictField(child=serializers.CharField(max_length=4096), required=False,
                                    help_text='sent with every call; may use {secret:NAME}')


class ToolListOut(serializers.Serializer):
    data = ToolOut(many=True)


class InvokeIn(StrictSerializer):
    input = serializers.JSONField(help_text="the tool input (validated against its input schema)")
    config = serializers.DictField(required=False, help_text="built-ins only: http {headers?, timeout_s?}, "
                                                             "code {wall_s?, cpu_s?, memory_mb?}")
    approve = serializers.BooleanField(required=False, default=False,
                                       help_text="run a tool that requires approval (you approve this call)")


class ToolErrorOut(serializers.Serializer):
    type = serializers.CharField(help_text="the typed error code, e.g. tool_timeout")
    message = serializers.CharField()
    details = serializers.DictField(required=False)


class ToolProblemOut(serializers.Serializer):
    """RFC 9457 problem details plus the tool's typed error."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)
    tool_error = ToolErrorOut()


class InvokeOut(serializers.Serializer):
    tool = serializers.CharField()
    output = serializers.JSONField()
    latency_ms = serializers.FloatField()


class McpServerIn(StrictSerializer):
    name = serializers.RegexField(r"^[A-Za-z0-9_-]{1,40}$", max_length=40)
    transport = serializers.ChoiceField(choices=["stdio", "http"])
    command = serializers.CharField(required=False, max_length=500, help_text="stdio: the program to run")
    args = serializers.ListField(child=serializers.CharField(max_length=1000), required=False, max_length=100)
    env = serializers.DictField(child=serializers.CharField(max_length=4096), required=False,
                                help_text="stdio: environment (values may use {secret:NAME})")
    url = serializers.URLField(required=False, max_length=2000, help_text="http: the streamable-HTTP endpoint")
    headers = serializers.DictField(child=serializers.CharField(max_length=4096), required=False,
                                    help_text="http: headers (values may use {secret:NAME})")
    timeout_s = serializers.FloatField(required=False, min_value=0.1, max_value=300)
    requires_approval = serializers.BooleanField(required=False)


def _masked(values: dict[str, str]) -> dict[str, str]:
    """Configured values, except literal ones (which may be credentials typed in by hand)."""
    return {k: v if "{secret:" in v else "[hidden]" for k, v in values.items()}


class McpServerOut(serializers.ModelSerializer):
    env = serializers.SerializerMethodField()
    headers = serializers.SerializerMethodField()
    tools = serializers.SerializerMethodField()

    class Meta:
        model = McpServer
        fields = ["id", "name", "transport", "command", "args", "env", "url", "headers", "timeout_s",
                  "requires_approval", "tools", "last_listed_at", "created_at"]

    def get_env(self, server) -> dict[str, str]:
        return _masked(server.env)

    def get_headers(self, server) -> dict[str, str]:
        return _masked(server.headers)

    def get_tools(self, server) -> list[str]:
        return [t.get("name", "") for t in server.tools]


class McpRefreshOut(serializers.Serializer):
    server = McpServerOut()
    added = serializers.ListField(child=serializers.CharField())
    updated = serializers.ListField(child=serializers.CharField())
    removed = serializers.ListField(child=serializers.CharField())
