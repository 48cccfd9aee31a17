"""Console pages for webhook endpoints and their delivery log, with a redeliver action.

Project scoping (who sees and changes what) is accounts/admin_scoping.py's; endpoint writes go
through webhooks.services so the URL and event types are checked as in the API."""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from accounts.admin_scoping import (
    WRITE,
    ProjectFilter,
    ProjectScopedAdmin,
    ReadOnlyInline,
    in_any_project,
    projects_where,
    user_can,
)
from agent_platform.service_errors import ServiceError
from webhooks import services
from webhooks.events import ALL_EVENTS, EVENT_TYPES
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

MANAGE = "manage_project"  # as in the API: endpoints send project data out, so admins manage them
EVENT_CHOICES = [(ALL_EVENTS, "all events"), *((t, t) for t in EVENT_TYPES)]


class WebhookEndpointForm(forms.ModelForm):
    url = forms.CharField(max_length=2000, widget=forms.URLInput(attrs={"size": 80}))
    event_types = forms.MultipleChoiceField(choices=EVENT_CHOICES, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookEndpoint
        fields = ["project", "url", "description", "event_types", "enabled"]

    def clean(self):
        cleaned = super().clean()
        project = cleaned.get("project") or getattr(self.instance, "project", None)
        if project is not None and cleaned.get("url"):
            try:
                cleaned["url"] = services.validate_url(project, cleaned["url"])
            except ServiceError as exc:
                raise ValidationError({"url": exc.errors.get("url", [exc.message])}) from None
        return cleaned


class AttemptInline(ReadOnlyInline):
    model = WebhookAttempt
    fields = ["number", "started_at", "status_code", "latency_ms", "error"]
    readonly_fields = fields


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ProjectScopedAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "project", "events", "enabled", "created_at"]
    list_filter = [ProjectFilter, "enabled"]
    search_fields = ["url", "=id"]

    def get_readonly_fields(self, request, obj=None):
        return ["project"] if obj is not None else []

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is None:
            return in_any_project(request, MANAGE)
        return user_can(request.user, MANAGE, obj.project)

    def has_add_permission(self, request) -> bool:
        return in_any_project(request, MANAGE)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.has_change_permission(request, obj)

    def delete_model(self, request, obj):
        services.delete_endpoint(endpoint=obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project":
            kwargs["queryset"] = projects_where(request.user, MANAGE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in ("url", "description", "event_types", "enabled")}
        if change:
            services.update_endpoint(endpoint=obj, data=data)
            return
        obj.pk = services.create_endpoint(project=form.cleaned_data["project"], **data).pk

    @admin.display(description="event types")
    def events(self, obj: WebhookEndpoint) -> str:
        return ", ".join(obj.event_types)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ProjectScopedAdmin):
    """Deliveries are written by events: viewable here, and sent again with the redeliver action."""

    list_display = ["id", "event_type", "destination", "status", "attempt_count", "last_status_code",
                    "next_retry_at", "created_at"]
    list_filter = [ProjectFilter, "status", "event_type"]
    search_fields = ["=id", "=run_id", "url"]
    readonly_fields = ["id", "project", "endpoint", "url", "run_id", "event_type", "status", "attempt_count",
                       "last_status_code", "last_error", "next_retry_at", "created_at", "delivered_at", "payload"]
    fields = readonly_fields
    inlines = [AttemptInline]
    actions = ["redeliver"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("project", "endpoint")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="destination")
    def destination(self, obj: WebhookDelivery) -> str:
        return obj.target_url

    @admin.action(description="Redeliver the selected deliveries (same body and webhook-id)")
    def redeliver(self, request, queryset):
        allowed = [d for d in queryset if user_can(request.user, WRITE, d.project)]
        for delivery in allowed:
            services.redeliver(delivery=delivery)
        self.message_user(request, f"{len(allowed)} delivery(ies) queued again.", messages.SUCCESS)
        if len(allowed) < queryset.count():
            self.message_user(request, "Deliveries of projects you cannot write to were skipped.", messages.WARNING)
