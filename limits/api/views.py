"""Limits and usage over HTTP: `GET|PUT /limits` (the project's), `GET|PUT /api-keys/{id}/limits`,
`GET /usage` (usage against each limit, for the project and every key with limits)."""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from accounts.models import ApiKey
from agent_platform.api.serializers import validated
from agent_platform.api.views import ProjectAPIView
from limits import selectors, services
from limits.api import serializers as s
from limits.models import Limits
from limits.usage import usage_for

MANAGE = "manage_project"


class ProjectLimits(ProjectAPIView):
    permission_map = {"GET": "read_project", "PUT": MANAGE}

    @extend_schema(responses=s.LimitsOut, operation_id="limits_retrieve")
    def get(self, request):
        return Response(s.limits_out(selectors.project_limits(request.project)))

    @extend_schema(request=s.LimitsIn, responses=s.LimitsOut, operation_id="limits_update")
    def put(self, request):
        data = validated(s.LimitsIn, request.data)
        return Response(s.limits_out(services.set_limits(project=request.project, values=data)))


class ApiKeyLimits(ProjectAPIView):
    permission_map = {"GET": MANAGE, "PUT": MANAGE}

    @extend_schema(responses=s.LimitsOut, operation_id="api_keys_limits_retrieve")
    def get(self, request, key_id: str):
        key = get_object_or_404(ApiKey, pk=key_id, project=request.project)
        return Response(s.limits_out(selectors.key_limits(key)))

    @extend_schema(request=s.LimitsIn, responses=s.LimitsOut, operation_id="api_keys_limits_update")
    def put(self, request, key_id: str):
        key = get_object_or_404(ApiKey, pk=key_id, project=request.project)
        data = validated(s.LimitsIn, request.data)
        return Response(s.limits_out(services.set_limits(project=request.project, api_key=key, values=data)))


def _scope_usage(row: Limits) -> dict:
    return {"scope": "api_key" if row.api_key_id else "project", "api_key_id": row.api_key_id,
            "name": row.api_key.name if row.api_key_id else None, **usage_for(row)}


class Usage(ProjectAPIView):
    @extend_schema(responses=s.UsageReportOut, operation_id="usage_retrieve")
    def get(self, request):
        keys = Limits.objects.filter(project=request.project, api_key__isnull=False).select_related("api_key")
        return Response({"project": _scope_usage(selectors.project_limits(request.project)),
                         "api_keys": [_scope_usage(row) for row in keys.order_by("api_key__created_at")]})
