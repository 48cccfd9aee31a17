"""Agents in the admin console: list with environment pointers, versions (read-only once
saved), authoring of new versions and promotion with a confirmation page.

Authoring and promotion pages live in agents/admin_views.py; project scoping (who sees and
changes what) in accounts/admin_scoping.py.
"""
from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.db.models import Max
from django.http import HttpResponseRedirect
from django.urls import path
from django.utils.html import format_html

from accounts.admin_scoping import (
    WRITE,
    ProjectFilter,
    ProjectScopedAdmin,
    ReadOnlyInline,
    admin_url,
    projects_where,
    user_can,
)
from agent_platform.versioning import ENVIRONMENTS
from agents import admin_views, services
from agents.models import Agent, AgentPromotion, AgentVersion


def pretty_json(value) -> str:
    """A JSON value as an indented <pre> block."""
    return format_html('<pre class="ac-json">{}</pre>', json.dumps(value, indent=2, ensure_ascii=False))


def _version_link(version: AgentVersion | None) -> str:
    if version is None:
        return "—"
    return format_html('<a href="{}">v{}</a>', admin_url(version), version.number)


class VersionInline(ReadOnlyInline):
    model = AgentVersion
    verbose_name_plural = "versions (newest first)"
    fields = ["version", "model_name", "environments", "created_by", "created_at", "promote"]
    readonly_fields = fields
    ordering = ["-number"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")

    @admin.display(description="version")
    def version(self, obj: AgentVersion) -> str:
        return _version_link(obj)

    @admin.display(description="model")
    def model_name(self, obj: AgentVersion) -> str:
        return obj.body.get("model", "")

    @admin.display(description="environments")
    def environments(self, obj: AgentVersion) -> str:
        names = obj.agent.environments.filter(version=obj).values_list("name", flat=True)
        return ", ".join(sorted(names, key=ENVIRONMENTS.index)) or "—"

    @admin.display(description="")
    def promote(self, obj: AgentVersion) -> str:
        return format_html('<a class="button" href="{}">Promote to…</a>', admin_url(obj, "promote"))


class PromotionInline(ReadOnlyInline):
    model = AgentPromotion
    verbose_name_plural = "promotions history"
    fields = ["promoted_at", "environment", "from_version", "to_version", "promoted_by", "note"]
    readonly_fields = fields
    ordering = ["-promoted_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("version", "previous_version")

    @admin.display(description="from")
    def from_version(self, obj: AgentPromotion) -> str:
        return _version_link(obj.previous_version)

    @admin.display(description="to")
    def to_version(self, obj: AgentPromotion) -> str:
        return _version_link(obj.version)


class AgentForm(forms.ModelForm):
    class Meta:
        model = Agent
        fields = ["project", "name", "description"]

    def clean(self):
        data = super().clean()
        project = data.get("project") or getattr(self.instance, "project", None)
        name = data.get("name")
        if project and name and Agent.objects.filter(project=project, name=name).exclude(pk=self.instance.pk).exists():
            self.add_error("name", f"An agent named {name!r} already exists in {project.slug}.")
        return data


@admin.register(Agent)
class AgentAdmin(ProjectScopedAdmin):
    form = AgentForm
    list_display = ["name", "project", "latest_version", "dev", "stage", "prod", "updated_at"]
    list_filter = [ProjectFilter]
    search_fields = ["name", "=id"]
    fields = ["project", "name", "description", "id", "created_at", "updated_at"]
    inlines = [VersionInline, PromotionInline]

    def get_queryset(self, request):
        return (super().get_queryset(request).select_related("project")
                .annotate(latest=Max("versions__number")).prefetch_related("environments__version"))

    def get_readonly_fields(self, request, obj=None):
        return ["id", "created_at", "updated_at"] + (["project"] if obj else [])

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # a new agent has no versions yet

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project":
            kwargs["queryset"] = projects_where(request.user, WRITE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<path:object_id>/new-version/", view(self.new_version), name="agents_agent_new_version"),
                *super().get_urls()]

    def new_version(self, request, object_id):
        return admin_views.new_version_view(self, request, object_id)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        agent = self.object_or_404(request, object_id)
        extra = {"can_author": user_can(request.user, WRITE, agent.project), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)

    def save_model(self, request, obj, form, change):
        # Through the services, so a new agent gets its environments.
        if change:
            services.update_agent(agent=obj, **{f: form.cleaned_data[f] for f in form.changed_data})
        else:
            obj.pk = services.create_agent(project=obj.project, name=obj.name, description=obj.description).pk

    @admin.display(description="latest", ordering="latest")
    def latest_version(self, obj: Agent) -> str:
        return f"v{obj.latest}" if obj.latest else "—"

    def _pointer(self, obj: Agent, environment: str) -> str:
        for env in obj.environments.all():
            if env.name == environment:
                return _version_link(env.version)
        return "—"

    @admin.display(description="dev")
    def dev(self, obj: Agent) -> str:
        return self._pointer(obj, "dev")

    @admin.display(description="stage")
    def stage(self, obj: Agent) -> str:
        return self._pointer(obj, "stage")

    @admin.display(description="prod")
    def prod(self, obj: Agent) -> str:
        return self._pointer(obj, "prod")


@admin.register(AgentVersion)
class AgentVersionAdmin(ProjectScopedAdmin):
    """Versions are immutable: viewable, promotable, never changed or deleted here."""

    project_field = "agent__project"
    list_display = ["__str__", "agent", "model_name", "created_by", "created_at"]
    list_filter = [ProjectFilter]
    list_select_related = ["agent", "created_by"]
    search_fields = ["agent__name", "=agent__id"]
    fields = ["agent", "number", "content_hash", "created_by", "created_at", "environments", "pretty_body"]
    readonly_fields = fields
    actions = ["promote_selected"]

    def has_add_permission(self, request) -> bool:
        return False  # new versions are written from the agent's "New version" page

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<path:object_id>/promote/", view(self.promote), name="agents_agentversion_promote"),
                *super().get_urls()]

    def promote(self, request, object_id):
        return admin_views.promote_view(self, request, object_id)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        version = self.object_or_404(request, object_id)
        extra = {"can_promote": user_can(request.user, WRITE, version.agent.project), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)

    @admin.action(description="Promote to…")
    def promote_selected(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version to promote.", messages.WARNING)
            return None
        return HttpResponseRedirect(admin_url(queryset.get(), "promote"))

    @admin.display(description="model")
    def model_name(self, obj: AgentVersion) -> str:
        return obj.body.get("model", "")

    @admin.display(description="environments")
    def environments(self, obj: AgentVersion) -> str:
        rows = obj.agent.environments.filter(version=obj).values_list("name", flat=True)
        return ", ".join(sorted(rows, key=ENVIRONMENTS.index)) or "—"

    @admin.display(description="body")
    def pretty_body(self, obj: AgentVersion) -> str:
        return pretty_json(obj.body)
