"""Agents over HTTP: translate and delegate to services."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.response import Response

from accounts.permissions import caller_can
from agent_platform.api.idempotency import idempotent
from agent_platform.api.serializers import validated
from agent_platform.api.views import ProjectAPIView
from agent_platform.versioning import actor_label
from agents import selectors, services
from agents.api import serializers as s
from agents.references import validate_references


class AgentList(ProjectAPIView):
    @extend_schema(responses=s.AgentOut(many=True))
    def get(self, request):
        return self.list_response(selectors.agents_for_project(request.project), lambda a: s.AgentOut(a).data)

    @extend_schema(request=s.AgentIn, responses={201: s.AgentOut})
    def post(self, request):
        data = validated(s.AgentIn, request.data)

        def create():
            agent = services.create_agent(project=request.project, **data)
            return Response(s.AgentOut(agent).data, status=201)
        return idempotent(request, "POST /agents", create)


class AgentDetail(ProjectAPIView):
    permission_map = {"DELETE": "deploy_project"}

    @extend_schema(responses=s.AgentOut)
    def get(self, request, agent_id: str):
        return Response(s.AgentOut(selectors.get_agent(request.project, agent_id)).data)

    @extend_schema(request=s.AgentPatch, responses=s.AgentOut)
    def patch(self, request, agent_id: str):
        agent = selectors.get_agent(request.project, agent_id)
        data = validated(s.AgentPatch, request.data)
        return Response(s.AgentOut(services.update_agent(agent=agent, **data)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, agent_id: str):
        services.delete_agent(agent=selectors.get_agent(request.project, agent_id))
        return Response(status=204)


class VersionList(ProjectAPIView):
    @extend_schema(responses=s.VersionOut(many=True))
    def get(self, request, agent_id: str):
        agent = selectors.get_agent(request.project, agent_id)
        return self.list_response(agent.versions.all(), lambda v: s.VersionOut(v).data)

    @extend_schema(request=s.VersionIn, responses={201: s.VersionOut, 200: s.VersionOut})
    def post(self, request, agent_id: str):
        agent = selectors.get_agent(request.project, agent_id)
        user = request.user if getattr(request.user, "pk", None) else None
        version, created = services.create_agent_version(agent=agent, body=request.data, created_by=user,
                                                         validate_refs=validate_references)
        return Response(s.VersionOut(version).data, status=201 if created else 200)


class VersionDetail(ProjectAPIView):
    @extend_schema(responses=s.VersionOut)
    def get(self, request, agent_id: str, number: int):
        agent = selectors.get_agent(request.project, agent_id)
        return Response(s.VersionOut(selectors.get_version(agent, number)).data)


class Promote(ProjectAPIView):
    @extend_schema(request=s.PromoteIn, responses={201: s.PromotionOut})
    def post(self, request, agent_id: str):
        agent = selectors.get_agent(request.project, agent_id)
        data = validated(s.PromoteIn, request.data)
        if data["environment"] == "prod" and not caller_can(request, request.project, "deploy_project"):
            raise exceptions.PermissionDenied("Promoting to prod needs the admin role (deploy_project).")
        version = selectors.get_version(agent, data["version"])
        promotion = services.promote(agent=agent, version=version, environment=data["environment"],
                                     actor=actor_label(request), note=data.get("note", ""))
        return Response(s.PromotionOut(promotion).data, status=201)

    @extend_schema(responses=s.PromotionOut(many=True))
    def get(self, request, agent_id: str):
        agent = selectors.get_agent(request.project, agent_id)
        return self.list_response(agent.promotions.select_related("version", "previous_version"),
                                  lambda p: s.PromotionOut(p).data, time_field="promoted_at")
