"""Projects, members, API keys and secrets over HTTP: translate and delegate to services."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.response import Response

from accounts import services
from accounts.api import serializers as s
from accounts.models import ApiKey, Membership, Project, Secret
from accounts.permissions import caller_can
from accounts.roles import OWNER, role_rank
from accounts.selectors import projects_for_user
from agent_platform.api.errors import FieldError
from agent_platform.api.idempotency import idempotent
from agent_platform.api.serializers import validated
from agent_platform.api.views import ProjectAPIView

MANAGE = "manage_project"


def _caller_role(request) -> str:
    if isinstance(request.auth, ApiKey):
        return request.auth.role
    if request.user.is_superuser:
        return OWNER
    membership = Membership.objects.filter(project=request.project, user=request.user).first()
    return membership.role if membership else "viewer"


def _check_grant(request, role: str, field: str = "role") -> None:
    """Nobody grants a role above their own; only owners grant or change owners."""
    mine = _caller_role(request)
    if role_rank(role) > role_rank(mine) or (role == OWNER and mine != OWNER):
        raise exceptions.PermissionDenied(f"Your role ({mine}) cannot grant {role!r}.")


class ProjectList(ProjectAPIView):
    project_scoped = False

    @extend_schema(responses=s.ProjectOut(many=True))
    def get(self, request):
        if isinstance(request.auth, ApiKey):
            query = Project.objects.filter(pk=request.auth.project_id)
        elif request.user.is_superuser:
            query = Project.objects.all()
        else:
            query = projects_for_user(request.user)
        return self.list_response(query, lambda p: s.ProjectOut(p).data)

    @extend_schema(request=s.ProjectIn, responses={201: s.ProjectOut})
    def post(self, request):
        data = validated(s.ProjectIn, request.data)
        if isinstance(request.auth, ApiKey):
            if request.auth.role != OWNER:
                raise exceptions.PermissionDenied("Only owners create projects.")
            owner = request.auth.created_by
        else:
            owner = request.user
        project = services.create_project(slug=data["slug"], name=data.get("name", ""), owner=owner)
        return Response(s.ProjectOut(project).data, status=201)


class ProjectDetail(ProjectAPIView):
    project_scoped = False

    def _project(self, request, project_id: str, permission: str) -> Project:
        project = Project.objects.filter(pk=project_id).first() or Project.objects.filter(slug=project_id).first()
        if project is None or not caller_can(request, project, "read_project"):
            raise exceptions.NotFound("Project not found.")
        if not caller_can(request, project, permission):
            raise exceptions.PermissionDenied(f"Your role does not allow this ({permission}).")
        request.project = project
        return project

    @extend_schema(responses=s.ProjectOut)
    def get(self, request, project_id: str):
        return Response(s.ProjectOut(self._project(request, project_id, "read_project")).data)

    @extend_schema(request=s.ProjectPatch, responses=s.ProjectOut)
    def patch(self, request, project_id: str):
        project = self._project(request, project_id, MANAGE)
        data = validated(s.ProjectPatch, request.data)
        project = services.update_project(project=project, data=data)
        return Response(s.ProjectOut(project).data)

    @extend_schema(responses={204: None})
    def delete(self, request, project_id: str):
        self._project(request, project_id, "own_project").delete()
        return Response(status=204)


class MemberList(ProjectAPIView):
    permission_map = {"GET": "read_project", "POST": MANAGE}

    @extend_schema(responses=s.MemberOut(many=True))
    def get(self, request):
        query = Membership.objects.filter(project=request.project).select_related("user")
        return self.list_response(query, lambda m: s.MemberOut(m).data)

    @extend_schema(request=s.MemberIn, responses={201: s.MemberOut})
    def post(self, request):
        data = validated(s.MemberIn, request.data)
        _check_grant(request, data["role"])
        user = get_user_model().objects.filter(username=data["username"]).first()
        if user is None:
            raise FieldError("username", "no such user")
        membership = services.set_member_role(project=request.project, user=user, role=data["role"])
        return Response(s.MemberOut(membership).data, status=201)


class MemberDetail(ProjectAPIView):
    permission_map = {"PATCH": MANAGE, "DELETE": MANAGE}

    def _membership(self, request, member_id: int) -> Membership:
        membership = get_object_or_404(Membership.objects.select_related("user"), pk=member_id,
                                       project=request.project)
        if membership.role == OWNER:
            _check_grant(request, OWNER)
        return membership

    @extend_schema(responses=s.MemberOut)
    def get(self, request, member_id: int):
        return Response(s.MemberOut(self._membership(request, member_id)).data)

    @extend_schema(request=s.MemberPatch, responses=s.MemberOut)
    def patch(self, request, member_id: int):
        membership = self._membership(request, member_id)
        data = validated(s.MemberPatch, request.data)
        _check_grant(request, data["role"])
        membership = services.set_member_role(project=request.project, user=membership.user, role=data["role"])
        return Response(s.MemberOut(membership).data)

    @extend_schema(responses={204: None})
    def delete(self, request, member_id: int):
        services.remove_member(membership=self._membership(request, member_id))
        return Response(status=204)


class ApiKeyList(ProjectAPIView):
    permission_map = {"GET": MANAGE, "POST": MANAGE}

    @extend_schema(responses=s.ApiKeyOut(many=True))
    def get(self, request):
        return self.list_response(ApiKey.objects.filter(project=request.project), lambda k: s.ApiKeyOut(k).data)

    @extend_schema(request=s.ApiKeyIn, responses={201: s.ApiKeyCreatedOut})
    def post(self, request):
        data = validated(s.ApiKeyIn, request.data)
        _check_grant(request, data["role"])
        creator = request.user if not isinstance(request.auth, ApiKey) else request.auth.created_by

        def create():
            key, raw = services.create_api_key(project=request.project, name=data["name"], role=data["role"],
                                               created_by=creator, expires_at=data.get("expires_at"),
                                               scope=data.get("scope", ""))
            return Response({**s.ApiKeyOut(key).data, "key": raw}, status=201)
        # The plaintext key is never stored, so a replay answers without it.
        return idempotent(request, "POST /api-keys", create,
                          stored=lambda data: {k: v for k, v in data.items() if k != "key"})


class ApiKeyDetail(ProjectAPIView):
    permission_map = {"GET": MANAGE, "DELETE": MANAGE}

    @extend_schema(responses=s.ApiKeyOut)
    def get(self, request, key_id: str):
        return Response(s.ApiKeyOut(get_object_or_404(ApiKey, pk=key_id, project=request.project)).data)

    @extend_schema(responses={200: s.ApiKeyOut}, description="Revoke the key; answers the revoked key (with `revoked_at`).")
    def delete(self, request, key_id: str):
        key = services.revoke_api_key(key=get_object_or_404(ApiKey, pk=key_id, project=request.project))
        return Response(s.ApiKeyOut(key).data)


class SecretList(ProjectAPIView):
    permission_map = {"GET": "read_project", "POST": MANAGE}

    @extend_schema(responses=s.SecretOut(many=True))
    def get(self, request):
        return self.list_response(Secret.objects.filter(project=request.project), lambda x: s.SecretOut(x).data)

    @extend_schema(request=s.SecretIn, responses={201: s.SecretOut})
    def post(self, request):
        data = validated(s.SecretIn, request.data)
        creator = request.user if not isinstance(request.auth, ApiKey) else request.auth.created_by

        def create():
            secret = services.set_secret(project=request.project, name=data["name"], value=data["value"],
                                         description=data.get("description", ""), created_by=creator,
                                         allowed_hosts=data.get("allowed_hosts"))
            return Response(s.SecretOut(secret).data, status=201)
        return idempotent(request, "POST /secrets", create)


class SecretDetail(ProjectAPIView):
    permission_map = {"GET": "read_project", "PATCH": MANAGE, "DELETE": MANAGE}

    @extend_schema(responses=s.SecretOut)
    def get(self, request, name: str):
        return Response(s.SecretOut(get_object_or_404(Secret, project=request.project, name=name)).data)

    @extend_schema(request=s.SecretPatch, responses=s.SecretOut)
    def patch(self, request, name: str):
        secret = get_object_or_404(Secret, project=request.project, name=name)
        data = validated(s.SecretPatch, request.data)
        secret = services.update_secret(secret=secret, allowed_hosts=data.get("allowed_hosts"),
                                        description=data.get("description"), value=data.get("value"))
        return Response(s.SecretOut(secret).data)

    @extend_schema(responses={204: None})
    def delete(self, request, name: str):
        services.delete_secret(secret=get_object_or_404(Secret, project=request.project, name=name))
        return Response(status=204)
