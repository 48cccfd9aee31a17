"""Workflows in the admin console: list with environment pointers, versions (read-only once saved,
with the graph rendered as a diagram), a JSON editor for new versions validated like the API (errors
per node and field), and promotion with a confirmation page.

Authoring and promotion pages live in workflows/admin_views.py; project scoping (who sees and changes
what) in accounts/admin_scoping.py, as for agents."""
from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.db.models import Max
from django.http import HttpResponseRedirect
from django.urls import path
from django.utils.html import format_html
from django.utils.safestring import mark_safe

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
from workflows import admin_views, services
from workflows.diagram import graph_svg
from workflows.models import Workflow, WorkflowPromotion, WorkflowVersion


def _version_link(version: WorkflowVersion | None) -> str:
    if version is None:
        return "—"
    return format_html('<a href="{}">v{}</a>', admin_url(version), version.number)


def _environments(version: WorkflowVersion) -> str:
    names = version.workflow.environments.filter(version=version).values_list("name", flat=True)
    return ", ".join(sorted(names, key=ENVIRONMENTS.index)) or "—"


def diagram_html(graph) -> str:
    """The graph's SVG diagram, scrollable (every label in it is escaped by `graph_svg`)."""
    return format_html('<div class="wf-diagram" style="overflow:auto; max-width:100%">{}</div>',
                       mark_safe(graph_svg(graph)))  # noqa: S308


class VersionInline(ReadOnlyInline):
    model = WorkflowVersion
    verbose_name_plural = "versions (newest first)"
    fields = ["version", "nodes", "environments", "created_by", "created_at", "promote"]
    readonly_fields = fields
    ordering = ["-number"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by", "workflow")

    @admin.display(description="version")
    def version(self, obj: WorkflowVersion) -> str:
        return _version_link(obj)

    @admin.display(description="nodes")
    def nodes(self, obj: WorkflowVersion) -> int:
        return len(obj.body.get("graph", {}).get("nodes", []))

    @admin.display(description="environments")
    def environments(self, obj: WorkflowVersion) -> str:
        return _environments(obj)

    @admin.display(description="")
    def promote(self, obj: WorkflowVersion) -> str:
        return format_html('<a class="button" href="{}">Promote to…</a>', admin_url(obj, "promote"))


class PromotionInline(ReadOnlyInline):
    model = WorkflowPromotion
    verbose_name_plural = "promotions history"
    fields = ["promoted_at", "environment", "from_version", "to_version", "promoted_by", "note"]
    readonly_fields = fields
    ordering = ["-promoted_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("version", "previous_version")

    @admin.display(description="from")
    def from_version(self, obj: WorkflowPromotion) -> str:
        return _version_link(obj.previous_version)

    @admin.display(description="to")
    def to_version(self, obj: WorkflowPromotion) -> str:
        return _version_link(obj.version)


class WorkflowForm(forms.ModelForm):
    class Meta:
        model = Workflow
        fields = ["project", "name", "description"]

    def clean(self):
        data = super().clean()
        project = data.get("project") or getattr(self.instance, "project", None)
        name = data.get("name")
        taken = Workflow.objects.filter(project=project, name=name).exclude(pk=self.instance.pk)
        if project and name and taken.exists():
            self.add_error("name", f"A workflow named {name!r} already exists in {project.slug}.")
        return data


@admin.register(Workflow)
class WorkflowAdmin(ProjectScopedAdmin):
    form = WorkflowForm
    list_display = ["name", "project", "latest_version", "dev", "stage", "prod", "updated_at"]
    list_filter = [ProjectFilter]
    search_fields = ["name", "=id"]
    fields = ["project", "name", "description", "id", "created_at", "updated_at", "latest_diagram"]
    inlines = [VersionInline, PromotionInline]
    change_form_template = "admin/workflows/workflow/change_form.html"

    def get_queryset(self, request):
        return (super().get_queryset(request).select_related("project")
                .annotate(latest=Max("versions__number")).prefetch_related("environments__version"))

    def get_readonly_fields(self, request, obj=None):
        return ["id", "created_at", "updated_at", "latest_diagram"] + (["project"] if obj else [])

    def get_fields(self, request, obj=None):
        return self.fields if obj is not None else ["project", "name", "description"]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project":
            kwargs["queryset"] = projects_where(request.user, WRITE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<path:object_id>/new-version/", view(self.new_version), name="workflows_workflow_new_version"),
                *super().get_urls()]

    def new_version(self, request, object_id):
        return admin_views.new_version_view(self, request, object_id)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        workflow = self.object_or_404(request, object_id)
        extra = {"can_author": user_can(request.user, WRITE, workflow.project), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)

    def save_model(self, request, obj, form, change):
        # Through the services, so a new workflow gets its environments.
        if change:
            services.update_workflow(workflow=obj, **{f: form.cleaned_data[f] for f in form.changed_data})
        else:
            obj.pk = services.create_workflow(project=obj.project, name=obj.name, description=obj.description).pk

    @admin.display(description="latest", ordering="latest")
    def latest_version(self, obj: Workflow) -> str:
        return f"v{obj.latest}" if getattr(obj, "latest", None) else "—"

    @admin.display(description="graph of the latest version")
    def latest_diagram(self, obj: Workflow) -> str:
        latest = obj.versions.order_by("-number").first()
        return diagram_html(latest.body.get("graph")) if latest else "—"

    def _pointer(self, obj: Workflow, environment: str) -> str:
        for env in obj.environments.all():
            if env.name == environment:
                return _version_link(env.version)
        return "—"

    @admin.display(description="dev")
    def dev(self, obj: Workflow) -> str:
        return self._pointer(obj, "dev")

    @admin.display(description="stage")
    def stage(self, obj: Workflow) -> str:
        return self._pointer(obj, "stage")

    @admin.display(description="prod")
    def prod(self, obj: Workflow) -> str:
        return self._pointer(obj, "prod")


@admin.register(WorkflowVersion)
class WorkflowVersionAdmin(ProjectScopedAdmin):
    """Versions are immutable: viewable (with their diagram), promotable, never changed or deleted here."""

    project_field = "workflow__project"
    list_display = ["__str__", "workflow", "created_by", "created_at"]
    list_filter = [ProjectFilter]
    list_select_related = ["workflow", "created_by"]
    search_fields = ["workflow__name", "=workflow__id"]
    fields = ["workflow", "number", "content_hash", "created_by", "created_at", "environments", "diagram",
              "pretty_body"]
    readonly_fields = fields
    actions = ["promote_selected"]
    change_form_template = "admin/workflows/workflowversion/change_form.html"

    def has_add_permission(self, request) -> bool:
        return False  # new versions are written from the workflow's "New version" page

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<path:object_id>/promote/", view(self.promote), name="workflows_workflowversion_promote"),
                *super().get_urls()]

    def promote(self, request, object_id):
        return admin_views.promote_view(self, request, object_id)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        version = self.object_or_404(request, object_id)
        extra = {"can_promote": user_can(request.user, WRITE, version.workflow.project), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)

    @admin.action(description="Promote to…")
    def promote_selected(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version to promote.", messages.WARNING)
            return None
        return HttpResponseRedirect(admin_url(queryset.get(), "promote"))

    @admin.display(description="environments")
    def environments(self, obj: WorkflowVersion) -> str:
        return _environments(obj)

    @admin.display(description="graph")
    def diagram(self, obj: WorkflowVersion) -> str:
        return diagram_html((obj.body or {}).get("graph"))

    @admin.display(description="body")
    def pretty_body(self, obj: WorkflowVersion) -> str:
        return format_html('<pre class="ac-json">{}</pre>', json.dumps(obj.body, indent=2, ensure_ascii=False))
