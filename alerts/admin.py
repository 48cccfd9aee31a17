"""Console pages: alert rules (authored through alerts.services, as in the API) and the alert
history (read-only, written by evaluations). Project scoping is accounts/admin_scoping.py's."""
from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from accounts.admin_scoping import (
    ProjectFilter,
    ProjectScopedAdmin,
    ReadOnlyInline,
    in_any_project,
    projects_where,
    user_can,
)
from agent_platform.definitions.models import ENVIRONMENTS
from agent_platform.service_errors import ServiceError
from alerts import services
from alerts.metrics import METRICS
from alerts.models import AlertEvent, AlertRule

MANAGE = "manage_project"  # as in the API


class AlertRuleForm(forms.ModelForm):
    metric = forms.ChoiceField(choices=[(name, f"{name} ({module.UNIT}) — {module.DESCRIPTION}")
                                        for name, module in METRICS.items()])
    environment = forms.ChoiceField(choices=[("", "all"), *((e, e) for e in ENVIRONMENTS)], required=False)
    emails = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
                             help_text="One address per line (or comma-separated).")

    class Meta:
        model = AlertRule
        fields = ["project", "name", "metric", "agent", "workflow", "environment", "window_s", "comparison",
                  "threshold", "cooldown_s", "webhook_endpoints", "emails", "enabled"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["emails"] = "\n".join(self.instance.emails)

    def clean_emails(self) -> list[str]:
        raw = self.cleaned_data.get("emails") or ""
        return [part.strip() for part in raw.replace(",", "\n").splitlines() if part.strip()]

    def clean(self):
        cleaned = super().clean()
        project = cleaned.get("project") or getattr(self.instance, "project", None)
        for name in ("agent", "workflow"):
            target = cleaned.get(name)
            if target is not None and project is not None and target.project_id != project.pk:
                self.add_error(name, f"this {name} belongs to another project")
        endpoints = cleaned.get("webhook_endpoints")
        if endpoints and project is not None and any(e.project_id != project.pk for e in endpoints):
            self.add_error("webhook_endpoints", "choose endpoints of the rule's project")
        try:
            services.clean_rule_fields({k: cleaned[k] for k in ("window_s", "cooldown_s", "threshold", "emails") if k in cleaned})
        except ServiceError as exc:
            field = next(iter(exc.errors), "").split(".")[0] or None
            raise ValidationError({field: exc.errors[next(iter(exc.errors))]} if field else exc.message) from None
        return cleaned


class AlertEventInline(ReadOnlyInline):
    model = AlertEvent
    fields = ["at", "state", "value", "threshold", "email_sent_at", "email_error"]
    readonly_fields = fields
    ordering = ["-at"]
    max_num = 0


@admin.register(AlertRule)
class AlertRuleAdmin(ProjectScopedAdmin):
    form = AlertRuleForm
    list_display = ["name", "project", "condition_text", "window_s", "state", "last_value", "last_evaluated_at",
                    "enabled"]
    list_filter = [ProjectFilter, "state", "metric", "enabled"]
    search_fields = ["name", "=id"]
    readonly_fields = ["state", "last_value", "last_evaluated_at", "last_fired_at", "created_at", "updated_at"]
    inlines = [AlertEventInline]

    def get_readonly_fields(self, request, obj=None):
        return ["project", *self.readonly_fields] if obj is not None else self.readonly_fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("project")

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is None:
            return in_any_project(request, MANAGE)
        return user_can(request.user, MANAGE, obj.project)

    def has_add_permission(self, request) -> bool:
        return in_any_project(request, MANAGE)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project":
            kwargs["queryset"] = projects_where(request.user, MANAGE)
        elif db_field.name in ("agent", "workflow"):
            kwargs["queryset"] = db_field.related_model.objects.filter(project__in=projects_where(request.user, MANAGE))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "webhook_endpoints":
            kwargs["queryset"] = db_field.related_model.objects.filter(project__in=projects_where(request.user, MANAGE))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        # Saved here with the form's checks; the endpoints are set by save_related (the form's m2m).
        obj.emails = form.cleaned_data["emails"]
        super().save_model(request, obj, form, change)

    @admin.display(description="condition")
    def condition_text(self, obj: AlertRule) -> str:
        return obj.condition()


@admin.register(AlertEvent)
class AlertEventAdmin(ProjectScopedAdmin):
    """The alert history: written by evaluations, viewable here."""

    list_display = ["at", "rule", "state", "value", "threshold", "project", "email_sent_at"]
    list_filter = [ProjectFilter, "state"]
    search_fields = ["=id", "=rule__id", "rule__name"]
    readonly_fields = ["id", "project", "rule", "state", "value", "metric", "comparison", "threshold", "window_s", "at",
                       "webhook_deliveries", "emails", "email_sent_at", "email_error", "created_at"]
    fields = readonly_fields
    ordering = ["-at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("project", "rule")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
