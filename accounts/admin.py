"""Admin console for projects, members, API keys and secrets (values and hashes never show), and the
audit log with the acting user or API key."""
from __future__ import annotations

from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from django import forms
from django.contrib import admin, messages
from guardian.admin import GuardedModelAdmin

from accounts import audit, services
from accounts.allowlist import secret_hosts, validate_allowlist
from accounts.models import ApiKey, Membership, Project, Secret
from agent_platform.api.errors import Unprocessable
from agent_platform.service_errors import InputRejected
from limits.admin import ProjectLimitsInline


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = "__all__"

    def clean_http_allowlist(self):
        """The same cap as the API (accounts/allowlist.py): no loopback, metadata or huge ranges."""
        try:
            return validate_allowlist(self.cleaned_data.get("http_allowlist") or [])
        except (Unprocessable, InputRejected) as exc:
            raise forms.ValidationError(exc.errors.get("http_allowlist") or [str(exc.detail)]) from None


@admin.register(Project)
class ProjectAdmin(GuardedModelAdmin):
    form = ProjectForm
    list_display = ["slug", "name", "created_at"]
    search_fields = ["slug", "name"]
    inlines = [MembershipInline, ProjectLimitsInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:  # the limits inline saves as usual
            return super().save_formset(request, form, formset, change)
        # Route role changes through the service so guardian permissions follow.
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            services.remove_member(membership=obj)
        for membership in instances:
            services.set_member_role(project=membership.project, user=membership.user, role=membership.role)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "role", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["role", "project"]
    search_fields = ["name", "prefix"]
    fields = ["project", "name", "role", "scope", "expires_at", "prefix", "created_at", "revoked_at", "last_used_at"]
    readonly_fields = ["prefix", "created_at", "revoked_at", "last_used_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (["project", "role", "scope"] if obj else [])

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        key, raw = services.create_api_key(project=obj.project, name=obj.name, role=obj.role,
                                           created_by=request.user, expires_at=obj.expires_at, scope=obj.scope)
        obj.pk = key.pk
        self.message_user(request, f"New API key (shown once, copy it now): {raw}", messages.WARNING)

    @admin.action(description="Revoke selected keys")
    def revoke(self, request, queryset):
        for key in queryset:
            services.revoke_api_key(key=key)


class SecretForm(forms.ModelForm):
    value = forms.CharField(widget=forms.PasswordInput(render_value=False), required=False,
                            help_text="Write-only. Leave empty to keep the current value.")

    class Meta:
        model = Secret
        fields = ["project", "name", "description", "allowed_hosts"]
        help_texts = {"allowed_hosts": 'Hosts the value may be sent to, e.g. ["api.example.com", "*.example.net"]; '
                                       "empty (null): unscoped, refused for tool requests (docs/security.md)."}

    def clean_allowed_hosts(self):
        hosts = self.cleaned_data.get("allowed_hosts")
        if hosts is None:
            return None
        try:
            return secret_hosts(hosts)
        except (Unprocessable, InputRejected) as exc:
            raise forms.ValidationError(exc.errors.get("allowed_hosts") or [str(exc.detail)]) from None


@admin.register(Secret)
class SecretAdmin(admin.ModelAdmin):
    form = SecretForm
    list_display = ["name", "project", "description", "updated_at"]
    list_filter = ["project"]
    search_fields = ["name"]

    def get_readonly_fields(self, request, obj=None):
        return ["project", "name"] if obj else []

    def save_model(self, request, obj, form, change):
        value = form.cleaned_data.get("value")
        if not value:
            if not change:
                raise forms.ValidationError("A value is required.")
            return super().save_model(request, obj, form, change)
        saved = services.set_secret(project=obj.project, name=obj.name, value=value,
                                    description=obj.description, created_by=request.user,
                                    allowed_hosts=obj.allowed_hosts)
        if obj.allowed_hosts is None and saved.allowed_hosts is not None:  # cleared in the form
            saved.allowed_hosts = None
            saved.save(update_fields=["allowed_hosts"])
        obj.pk = saved.pk


# --- the audit log -------------------------------------------------------------------------------
# django-auditlog's own admin shows the actor user or "system": changes made with an API key (whose
# row holds `actor_email = "api-key:<name> (<prefix>…)"`, see accounts/audit.py) all read "system".
admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class AuditLogEntryAdmin(LogEntryAdmin):
    class Media:
        css = {"all": ["admin-console/console.css"]}

    list_display = ["created", "resource_url", "action", "msg_short", "actor_label", "cid_url"]
    search_fields = [*LogEntryAdmin.search_fields, "actor_email"]
    readonly_fields = ["created", "resource_url", "action", "actor_label", "msg"]
    fieldsets = [(None, {"fields": ["created", "actor_label", "resource_url", "cid"]}),
                 ("Changes", {"fields": ["action", "msg"]})]

    @admin.display(description="actor", ordering="actor_email")
    def actor_label(self, entry: LogEntry) -> str:
        return audit.actor_label(entry, user_link=self.user_url(entry) if entry.actor_id else None)
