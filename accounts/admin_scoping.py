"""Project scoping for the admin console: staff see and change only what their roles allow.

Superusers see everything. Other staff see the objects of projects they are members of, and
their role in each project (django-guardian object permissions, see accounts/roles.py)
decides what they may do there: `read_project` to view, `write_project` to author and run,
`deploy_project` to promote to prod and delete. Objects outside their projects answer 404.
"""
from __future__ import annotations

from functools import reduce

from django.contrib import admin
from django.contrib.admin.utils import quote, unquote
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse

from accounts.models import Project
from accounts.roles import ROLES, role_allows
from accounts.selectors import projects_for_user

READ, WRITE, DEPLOY = "read_project", "write_project", "deploy_project"


def user_can(user, permission: str, project: Project) -> bool:
    """Whether a console user holds `permission` on `project` (superusers hold every one)."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or user.has_perm(f"accounts.{permission}", project)


def admin_url(obj, view: str = "change") -> str:
    """The console URL of one object (`change`, or a custom view name such as `promote`)."""
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[quote(obj.pk)])


def visible_projects(user) -> QuerySet[Project]:
    """The projects whose objects this console user may see."""
    if user.is_superuser:
        return Project.objects.all()
    return projects_for_user(user)


def projects_where(user, permission: str) -> QuerySet[Project]:
    """The projects in which this console user's role grants `permission`."""
    if user.is_superuser:
        return Project.objects.all()
    roles = [role for role in ROLES if role_allows(role, permission)]
    return Project.objects.filter(memberships__user=user, memberships__role__in=roles).distinct()


def in_any_project(request, permission: str) -> bool:
    """Whether the request's user holds `permission` in some project (READ: may see one), asked of
    the database once per request: the console's app list asks every model admin, for the page and
    again for its navigation sidebar (84 queries on the dashboard home before this)."""
    cache = request.__dict__.setdefault("_in_any_project", {})
    if permission not in cache:
        user = request.user
        projects = visible_projects(user) if permission == READ else projects_where(user, permission)
        cache[permission] = projects.exists()
    return cache[permission]


class ProjectFilter(admin.SimpleListFilter):
    """Filter a changelist by project, listing only the projects the user can see."""

    title = "project"
    parameter_name = "project"

    def __init__(self, request, params, model, model_admin) -> None:
        self.project_field = getattr(model_admin, "project_field", "project")
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return [(p.pk, p.slug) for p in visible_projects(request.user)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{f"{self.project_field}__pk": self.value()})
        return queryset


class ProjectScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose objects belong to a project reached through `project_field`."""

    project_field = "project"  # lookup path from the model to its Project, e.g. "agent__project"

    def project_of(self, obj) -> Project:
        return reduce(getattr, self.project_field.split("__"), obj)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.project_field}__in": visible_projects(request.user)})

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:  # missing, or in a project the user cannot see: the same answer
            raise Http404(f"No {self.opts.verbose_name} with id {object_id!r}.")
        return obj

    def object_or_404(self, request, object_id: str):
        """The object named by a (quoted) URL id, if this user may see it."""
        return self.get_object(request, unquote(object_id))

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deletion is per object, checked on its project
        return actions

    def has_module_permission(self, request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and (user.is_superuser or in_any_project(request, READ)))

    def has_view_permission(self, request, obj=None) -> bool:
        if obj is None:
            return self.has_module_permission(request)
        return user_can(request.user, READ, self.project_of(obj))

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is None:
            return in_any_project(request, WRITE)
        return user_can(request.user, WRITE, self.project_of(obj))

    def has_add_permission(self, request) -> bool:
        return in_any_project(request, WRITE)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is None:
            return in_any_project(request, DEPLOY)
        return user_can(request.user, DEPLOY, self.project_of(obj))


class ReadOnlyInline(admin.TabularInline):
    """An inline shown read-only on a parent page the user may already see."""

    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def has_view_permission(self, request, obj=None) -> bool:
        return True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
