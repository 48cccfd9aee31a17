"""The one permission layer every API endpoint uses.

It resolves `request.project` (the API key's project, or the project a logged-in user names
with the `X-Project` header or `?project=`), then checks the permission the view needs for the
method: API keys by their role's permission set, users by django-guardian object permissions.
A project the caller cannot read answers 404, as if it did not exist.
"""
from __future__ import annotations

from rest_framework import exceptions, permissions

from accounts.key_scopes import scope_allows
from accounts.models import ApiKey, Project
from accounts.roles import role_allows

READ, WRITE = "read_project", "write_project"


def required_permission(request, view) -> str:
    custom = getattr(view, "permission_map", {}) or {}
    if request.method in custom:
        return custom[request.method]
    return READ if request.method in permissions.SAFE_METHODS else WRITE


def caller_can(request, project: Project, permission: str) -> bool:
    auth = request.auth
    if isinstance(auth, ApiKey):
        return auth.project_id == project.pk and role_allows(auth.role, permission)
    user = request.user
    return bool(user and user.is_authenticated and user.is_active and
                (user.is_superuser or user.has_perm(f"accounts.{permission}", project)))


def resolve_project(request) -> Project | None:
    if isinstance(request.auth, ApiKey):
        return request.auth.project
    ref = request.headers.get("X-Project") or request.query_params.get("project")
    if not ref:
        raise exceptions.ValidationError({"X-Project": ["Name the project (slug or id) for session requests."]})
    return Project.objects.filter(slug=ref).first() or Project.objects.filter(pk=ref).first()


class ProjectRolePermission(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            raise exceptions.NotAuthenticated("Send 'Authorization: Bearer <api key>'.")
        if getattr(view, "project_scoped", True) is False:
            return True
        project = resolve_project(request)
        if project is None or not caller_can(request, project, READ):
            raise exceptions.NotFound("Project not found.")
        request.project = project
        needed = required_permission(request, view)
        if not caller_can(request, project, needed):
            raise exceptions.PermissionDenied(f"Your role does not allow this ({needed}).")
        if isinstance(request.auth, ApiKey) and not scope_allows(request.auth.scope, needed, request.path):
            raise exceptions.PermissionDenied(f"This API key is {request.auth.scope.replace('_', '-')}.")
        return True
