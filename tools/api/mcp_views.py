"""MCP servers over HTTP. Registering a stdio server (a command the workers run, unsandboxed)
needs `manage_project` (the admin role); an HTTP one `write_project`; deleting `deploy_project`."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from accounts.permissions import caller_can
from agent_platform.api.errors import PROBLEM_TYPE
from agent_platform.api.idempotency import idempotent
from agent_platform.api.serializers import StrictSerializer, validated
from agent_platform.api.views import ProjectAPIView
from runtime.errors import ToolError
from tools import mcp_services, selectors
from tools.api import serializers as s
from tools.api.problems import tool_error_response
from tools.models import STDIO

MANAGE = "manage_project"


class McpServerList(ProjectAPIView):
    @extend_schema(responses=s.McpServerOut(many=True))
    def get(self, request):
        return self.list_response(selectors.mcp_servers_for_project(request.project),
                                  lambda server: s.McpServerOut(server).data)

    @extend_schema(request=s.McpServerIn, responses={201: s.McpServerOut})
    def post(self, request):
        data = validated(s.McpServerIn, request.data)
        if data["transport"] == STDIO and not caller_can(request, request.project, MANAGE):
            raise exceptions.PermissionDenied("A stdio MCP server runs a command on the worker hosts: registering one "
                                              f"needs the admin role ({MANAGE}).")

        def create():
            server = mcp_services.create_mcp_server(project=request.project, **data)
            return Response(s.McpServerOut(server).data, status=201)
        return idempotent(request, "POST /mcp-servers", create)


class McpServerPatch(StrictSerializer):
    transport = serializers.ChoiceField(choices=["stdio", "http"], required=False)
    command = serializers.CharField(required=False, max_length=500)
    args = serializers.ListField(child=serializers.CharField(max_length=1000), required=False, max_length=100)
    env = serializers.DictField(child=serializers.CharField(max_length=4096), required=False)
    url = serializers.URLField(required=False, max_length=2000)
    headers = serializers.DictField(child=serializers.CharField(max_length=4096), required=False)
    timeout_s = serializers.FloatField(required=False, min_value=0.1, max_value=300)
    requires_approval = serializers.BooleanField(required=False)


class McpServerDetail(ProjectAPIView):
    permission_map = {"DELETE": "deploy_project"}

    @extend_schema(responses=s.McpServerOut)
    def get(self, request, server_id: str):
        return Response(s.McpServerOut(selectors.get_mcp_server(request.project, server_id)).data)

    @extend_schema(request=McpServerPatch, responses={200: s.McpRefreshOut, **{
        (status, PROBLEM_TYPE): OpenApiResponse(s.ToolProblemOut, description=text) for status, text in (
            (403, "The new URL is refused by the SSRF guard"),
            (502, "The changed server could not be started, reached or listed (nothing was changed)"),
            (504, "The changed server did not answer in time (nothing was changed)"))}})
    def patch(self, request, server_id: str):
        """Change the server and re-list its tools; if the changed server cannot be listed, nothing changes."""
        server = selectors.get_mcp_server(request.project, server_id)
        data = validated(McpServerPatch, request.data)
        if STDIO in (server.transport, data.get("transport")) and not caller_can(request, request.project, MANAGE):
            raise exceptions.PermissionDenied("A stdio MCP server runs a command on the worker hosts: changing one "
                                              f"needs the admin role ({MANAGE}).")
        user = request.user if getattr(request.user, "pk", None) else None
        try:
            changes = mcp_services.update_mcp_server(server=server, changes=data, created_by=user)
        except ToolError as exc:
            return tool_error_response(exc.to_dict())
        return Response({"server": s.McpServerOut(server).data, **changes})

    @extend_schema(responses={204: None})
    def delete(self, request, server_id: str):
        mcp_services.delete_mcp_server(server=selectors.get_mcp_server(request.project, server_id))
        return Response(status=204)


class McpServerRefresh(ProjectAPIView):
    @extend_schema(request=None, responses={200: s.McpRefreshOut, **{
        (status, PROBLEM_TYPE): OpenApiResponse(s.ToolProblemOut, description=text) for status, text in (
            (403, "The server's URL is refused by the SSRF guard"),
            (502, "The server could not be started, reached or listed"),
            (504, "The server did not answer in time"))}})
    def post(self, request, server_id: str):
        server = selectors.get_mcp_server(request.project, server_id)
        user = request.user if getattr(request.user, "pk", None) else None
        try:
            changes = mcp_services.refresh_mcp_server(server=server, created_by=user)
        except ToolError as exc:
            return tool_error_response(exc.to_dict())
        return Response({"server": s.McpServerOut(server).data, **changes})
