"""Tools over HTTP: custom tool CRUD and versions, built-ins read-only, OpenAPI import and the
playground. Translate and delegate to services; tool errors map to problem+json in problems.py."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.response import Response

from agent_platform.api.errors import PROBLEM_TYPE, ApiError, FieldError
from agent_platform.api.idempotency import idempotent
from agent_platform.api.pagination import paginate
from agent_platform.api.serializers import validated
from agent_platform.api.views import ProjectAPIView
from agent_platform.definitions.api.views import DefinitionApi
from runtime.tools.registry import BUILTIN_NAMES
from tools import playground, selectors, services
from tools.api import serializers as s
from tools.api.problems import tool_error_response
from tools.models import CUSTOM_TOOLS
from tools.resolution import builtins

KINDS = ("builtin", "http", "openapi", "mcp")
TOOL_ERRORS = {(status, PROBLEM_TYPE): OpenApiResponse(s.ToolProblemOut, description=text) for status, text in (
    (403, "Refused by policy (SSRF guard, missing secret) or by your role"), (422, "Input invalid"),
    (429, "Rate limited (with Retry-After)"), (502, "The tool failed"), (503, "Sandbox unavailable"),
    (504, "Timed out"))}


class BuiltinReadOnly(ApiError):
    status_code, default_code, title = 405, "builtin_read_only", "Built-in tools are read-only"


def _user(request):
    return request.user if getattr(request.user, "pk", None) else None


def _kind(request) -> str | None:
    kind = request.query_params.get("kind") or None
    if kind is not None and kind not in KINDS:
        raise FieldError("kind", f"must be one of {', '.join(KINDS)}")
    return kind


class ToolList(ProjectAPIView):
    @extend_schema(parameters=[OpenApiParameter("kind", str, enum=list(KINDS), required=False)],
                   responses=s.ToolOut(many=True),
                   description="Built-ins (`builtin: true`) come first on the first page; custom tools follow, "
                               "newest first, paginated.")
    def get(self, request):
        kind = _kind(request)
        data = []
        if kind in (None, "builtin") and not request.query_params.get("cursor"):
            data = [s.builtin_out(spec) for spec in builtins().specs()]
        if kind == "builtin":
            return Response({"data": data, "next_cursor": None})
        items, next_cursor = paginate(selectors.custom_tools_for_project(request.project, kind=kind),
                                      request.query_params)
        return Response({"data": data + [s.custom_out(tool) for tool in items], "next_cursor": next_cursor})

    @extend_schema(request=s.ToolIn, responses={201: s.ToolOut})
    def post(self, request):
        data = validated(s.ToolIn, request.data)

        def create():
            tool, _ = services.create_custom_tool(project=request.project, created_by=_user(request), **data)
            return Response(s.custom_out(tool), status=201)
        return idempotent(request, "POST /tools", create)


class ToolDetail(ProjectAPIView):
    permission_map = {"DELETE": "deploy_project"}

    @extend_schema(responses=s.ToolOut)
    def get(self, request, tool_id: str):
        if tool_id in BUILTIN_NAMES:
            return Response(s.builtin_out(builtins().get(tool_id).spec))
        return Response(s.custom_out(selectors.get_custom_tool(request.project, tool_id)))

    @extend_schema(request=s.ToolPatch, responses=s.ToolOut)
    def patch(self, request, tool_id: str):
        tool = self._custom(request, tool_id)
        data = validated(s.ToolPatch, request.data)
        return Response(s.custom_out(services.update_custom_tool(tool=tool, **data)))

    @extend_schema(responses={204: None})
    def delete(self, request, tool_id: str):
        services.delete_custom_tool(tool=self._custom(request, tool_id))
        return Response(status=204)

    def _custom(self, request, tool_id: str):
        if tool_id in BUILTIN_NAMES:
            raise BuiltinReadOnly(f"{tool_id!r} is a built-in tool; it cannot be changed or deleted.")
        return selectors.get_custom_tool(request.project, tool_id)


def _refuse_builtin_versions(tool_id: str) -> None:
    if tool_id in BUILTIN_NAMES:
        raise BuiltinReadOnly(f"{tool_id!r} is a built-in tool; it has no versions.")


# A custom tool's versions: the versioned-definition layer's views (the tool list and detail above
# are the tools' own: built-ins are listed with them).
TOOL_VERSIONS_API = DefinitionApi(CUSTOM_TOOLS, body_serializer=s.HttpToolVersionIn, module="tools.api.serializers",
                                  routes=("versions", "version"), before_new_version=_refuse_builtin_versions)


class ToolImportOpenAPI(ProjectAPIView):
    @extend_schema(request=s.ImportOpenAPIIn, responses={201: s.ToolListOut})
    def post(self, request):
        data = validated(s.ImportOpenAPIIn, request.data)
        if not isinstance(data["document"], (str, dict)):
            raise FieldError("document", "give the document as JSON or YAML text, or as a JSON object")

        def create():
            tools = services.import_openapi(project=request.project, created_by=_user(request), **data)
            return Response({"data": [s.custom_out(tool) for tool in tools]}, status=201)
        return idempotent(request, "POST /tools/import-openapi", create)


class ToolInvoke(ProjectAPIView):
    @extend_schema(request=s.InvokeIn, responses={200: s.InvokeOut, **TOOL_ERRORS,
                                                  409: OpenApiResponse(description="Approval required: send approve")},
                   description="Run one call outside a run (the tool playground), with all protections.")
    def post(self, request, tool_id: str):
        data = validated(s.InvokeIn, request.data)
        tool = playground.playground_tool(request.project, tool_id, data.get("config"))
        outcome = playground.invoke_tool(project=request.project, tool=tool, input=data["input"],
                                         approve=data["approve"], config=data.get("config"))
        if outcome.error is not None:
            return tool_error_response(outcome.error)
        return Response({"tool": tool.spec.name, "output": outcome.output, "latency_ms": outcome.latency_ms})
