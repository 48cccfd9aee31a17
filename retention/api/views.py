"""Retention settings, legal holds on runs and the purge log over HTTP (docs/retention.md)."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from agent_platform.api.errors import NotFound
from agent_platform.api.serializers import validated
from agent_platform.api.views import ProjectAPIView
from agent_platform.definitions.services import actor_label
from retention import selectors, services
from retention.api import serializers as s
from retention.models import Purge
from runs.selectors import get_run

READ, MANAGE = "read_project", "manage_project"
TAGS = ["retention"]


class RetentionDetail(ProjectAPIView):
    """The project's retention policy: how long runs, evals, feedback and audit entries are kept
    (per environment where given), and the project-wide legal hold. Changing it needs admin or owner."""

    permission_map = {"GET": READ, "PUT": MANAGE}

    @extend_schema(tags=TAGS, operation_id="retention_retrieve", summary="Get the retention policy",
                   responses=s.RetentionOut)
    def get(self, request):
        return Response(s.RetentionOut.of(selectors.policy_of(request.project)))

    @extend_schema(tags=TAGS, operation_id="retention_update", summary="Replace the retention policy",
                   request=s.RetentionIn, responses=s.RetentionOut)
    def put(self, request):
        data = validated(s.RetentionIn, request.data)
        policy = services.set_policy(project=request.project, data=data, actor=actor_label(request))
        return Response(s.RetentionOut.of(policy))


class PurgeList(ProjectAPIView):
    """What each purge removed from the project (the same counts are in the audit log)."""

    permission_map = {"GET": READ}

    @extend_schema(tags=TAGS, operation_id="retention_purges_list", summary="The project's purge log (newest first)",
                   parameters=[OpenApiParameter("limit", int, required=False, description="page size, 1..200"),
                               OpenApiParameter("cursor", str, required=False)],
                   responses=s.PurgePageOut)
    def get(self, request):
        return self.list_response(Purge.objects.filter(project=request.project), lambda p: s.PurgeOut(p).data,
                                  time_field="started_at")


class RunHoldDetail(ProjectAPIView):
    """A legal hold on one run: retention keeps it and all it left behind until the hold is lifted."""

    permission_map = {"GET": READ, "POST": MANAGE, "DELETE": MANAGE}

    @extend_schema(tags=TAGS, operation_id="runs_hold_retrieve", summary="Get a run's legal hold (404: none)",
                   responses=s.HoldOut)
    def get(self, request, run_id: str):
        hold = selectors.hold_of(get_run(request.project, run_id))
        if hold is None:
            raise NotFound(f"Run {run_id!r} has no legal hold.")
        return Response(s.HoldOut(hold).data)

    @extend_schema(tags=TAGS, operation_id="runs_hold_create", summary="Put a run under legal hold",
                   request=s.HoldIn, responses={201: s.HoldOut, 200: s.HoldOut})
    def post(self, request, run_id: str):
        run = get_run(request.project, run_id)
        data = validated(s.HoldIn, request.data if request.data else {})
        hold, created = services.hold_run(run=run, reason=data.get("reason", ""), actor=actor_label(request))
        return Response(s.HoldOut(hold).data, status=201 if created else 200)

    @extend_schema(tags=TAGS, operation_id="runs_hold_destroy", summary="Lift a run's legal hold",
                   responses={204: None})
    def delete(self, request, run_id: str):
        if not services.release_run(run=get_run(request.project, run_id)):
            raise NotFound(f"Run {run_id!r} has no legal hold.")
        return Response(status=204)
