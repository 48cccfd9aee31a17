"""Workflows over HTTP: translate and delegate to services (mirrors agents.api.views)."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.response import Response

from accounts.permissions import caller_can
from agent_platform.api.idempotency import idempotent
from agent_platform.api.serializers import validated
from agent_platform.api.views import ProjectAPIView
from agent_platform.versioning import actor_label
from workflows import selectors, services
from workflows.api import serializers as s
from workflows.references import validate_references


class WorkflowList(ProjectAPIView):
    @extend_schema(responses=s.WorkflowOut(many=True))
    def get(self, request):
        return self.list_response(selectors.workflows_for_project(request.project), lambda w: s.WorkflowOut(w).data)

    @extend_schema(request=s.WorkflowIn, responses={201: s.WorkflowOut})
    def post(self, request):
        data = validated(s.WorkflowIn, request.data)

        def create():
            workflow = services.create_workflow(project=request.project, **data)
            return Response(s.WorkflowOut(workflow).data, status=201)
        return idempotent(request, "POST /workflows", create)


class WorkflowDetail(ProjectAPIView):
    permission_map = {"DELETE": "deploy_project"}

    @extend_schema(responses=s.WorkflowOut)
    def get(self, request, workflow_id: str):
        return Response(s.WorkflowOut(selectors.get_workflow(request.project, workflow_id)).data)

    @extend_schema(request=s.WorkflowPatch, responses=s.WorkflowOut)
    def patch(self, request, workflow_id: str):
        workflow = selectors.get_workflow(request.project, workflow_id)
        data = validated(s.WorkflowPatch, request.data)
        return Response(s.WorkflowOut(services.update_workflow(workflow=workflow, **data)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, workflow_id: str):
        services.delete_workflow(workflow=selectors.get_workflow(request.project, workflow_id))
        return Response(status=204)


class VersionList(ProjectAPIView):
    @extend_schema(responses=s.WorkflowVersionOut(many=True))
    def get(self, request, workflow_id: str):
        workflow = selectors.get_workflow(request.project, workflow_id)
        return self.list_response(workflow.versions.all(), lambda v: s.WorkflowVersionOut(v).data)

    @extend_schema(request=s.WorkflowVersionIn, responses={201: s.WorkflowVersionOut, 200: s.WorkflowVersionOut})
    def post(self, request, workflow_id: str):
        workflow = selectors.get_workflow(request.project, workflow_id)
        user = request.user if getattr(request.user, "pk", None) else None
        version, created = services.create_workflow_version(workflow=workflow, body=request.data, created_by=user,
                                                            validate_refs=validate_references)
        return Response(s.WorkflowVersionOut(version).data, status=201 if created else 200)


class VersionDetail(ProjectAPIView):
    @extend_schema(responses=s.WorkflowVersionOut)
    def get(self, request, workflow_id: str, number: int):
        workflow = selectors.get_workflow(request.project, workflow_id)
        return Response(s.WorkflowVersionOut(selectors.get_version(workflow, number)).data)


class Promote(ProjectAPIView):
    @extend_schema(request=s.WorkflowPromoteIn, responses={201: s.WorkflowPromotionOut})
    def post(self, request, workflow_id: str):
        workflow = selectors.get_workflow(request.project, workflow_id)
        data = validated(s.WorkflowPromoteIn, request.data)
        if data["environment"] == "prod" and not caller_can(request, request.project, "deploy_project"):
            raise exceptions.PermissionDenied("Promoting to prod needs the admin role (deploy_project).")
        version = selectors.get_version(workflow, data["version"])
        promotion = services.promote(workflow=workflow, version=version, environment=data["environment"],
                                     actor=actor_label(request), note=data.get("note", ""))
        return Response(s.WorkflowPromotionOut(promotion).data, status=201)

    @extend_schema(responses=s.WorkflowPromotionOut(many=True))
    def get(self, request, workflow_id: str):
        workflow = selectors.get_workflow(request.project, workflow_id)
        return self.list_response(workflow.promotions.select_related("version", "previous_version"),
                                  lambda p: s.WorkflowPromotionOut(p).data, time_field="promoted_at")
