"""Console pages: each project's retention policy (with environment overrides), legal holds on
runs, and the purge log. Changing a policy or a hold needs `manage_project` (admin, owner), as
in the API; project scoping is accounts/admin_scoping.py's."""
from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.admin_scoping import ProjectFilter, ProjectScopedAdmin, in_any_project, projects_where, user_can
from accounts.models import Project
from agent_platform.definitions.services import actor_label
from retention.models import Purge, RetentionOverride, RetentionPolicy, RunHold
from runs.models import Run

MANAGE = "manage_project"


class ManagedByAdmins(ProjectScopedAdmin):
    def has_change_permission(self, request, obj=None) -> bool:
        if obj is None:
            return in_any_project(request, MANAGE)
        return user_can(request.user, MANAGE, self.project_of(obj))

    def has_add_permission(self, request) -> bool:
        return in_any_project(request, MANAGE)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project":
            kwargs["queryset"] = projects_where(request.user, MANAGE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class OverrideInline(admin.TabularInline):
    model = RetentionOverride
    extra = 0
    fields = ["environment", "runs_days", "eval_results_days", "feedback_days"]


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(ManagedByAdmins):
    list_display = ["project", "runs_days", "eval_results_days", "feedback_days", "audit_days", "legal_hold",
                    "updated_at", "updated_by"]
    list_filter = [ProjectFilter, "legal_hold"]
    fields = ["project", "runs_days", "eval_results_days", "feedback_days", "audit_days", "legal_hold",
              "legal_hold_reason", "updated_at", "updated_by"]
    readonly_fields = ["updated_at", "updated_by"]
    inlines = [OverrideInline]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "project"] if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        obj.updated_at, obj.updated_by = timezone.now(), actor_label(request)
        super().save_model(request, obj, form, change)


class RunHoldForm(forms.ModelForm):
    run = forms.CharField(max_length=40, help_text="the run's id (run_…)")
    projects = Project.objects.none()  # set per request: where the user may manage holds

    class Meta:
        model = RunHold
        fields = ["run", "reason"]

    def clean_run(self):
        run = Run.objects.filter(pk=self.cleaned_data["run"], project__in=self.projects).first()
        if run is None:
            raise ValidationError("No such run in your projects.")
        if RunHold.objects.filter(run=run).exists():
            raise ValidationError("This run is already under legal hold.")
        return run


@admin.register(RunHold)
class RunHoldAdmin(ManagedByAdmins):
    list_display = ["run", "project", "reason", "created_by", "created_at"]
    list_filter = [ProjectFilter]
    search_fields = ["=run__id", "reason"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            kwargs["fields"] = ["reason"]  # the admin passes fields=None itself (get_fields)
            return super().get_form(request, obj, change, **kwargs)
        return type("RunHoldAddForm", (RunHoldForm,), {"projects": projects_where(request.user, MANAGE)})

    def get_readonly_fields(self, request, obj=None):
        return ["run", "project", "created_by", "created_at"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if not change:
            obj.project_id = obj.run.project_id
            obj.created_by = actor_label(request)
        super().save_model(request, obj, form, change)


@admin.register(Purge)
class PurgeAdmin(ProjectScopedAdmin):
    """Written by purges: read-only. Install-wide purges (no project) are shown to superusers."""

    list_display = ["started_at", "project", "trigger", "summary", "skipped_batches"]
    list_filter = [ProjectFilter, "trigger"]
    readonly_fields = ["project", "trigger", "started_at", "finished_at", "counts", "skipped_batches"]
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.project_id is None:
            return request.user.is_superuser
        return super().has_view_permission(request, obj)

    @admin.display(description="deleted")
    def summary(self, obj: Purge) -> str:
        return ", ".join(f"{name} {n}" for name, n in sorted(obj.counts.items())) or "nothing"
