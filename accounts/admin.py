"""Admin console for projects, members, API keys and secrets. Values and hashes never show."""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from guardian.admin import GuardedModelAdmin

from accounts import services
from accounts.models import ApiKey, Membership, Project, Secret


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Project)
class ProjectAdmin(GuardedModelAdmin):
    list_display = ["slug", "name", "created_at"]
    search_fields = ["slug", "name"]
    inlines = [MembershipInline]

    def save_formset(self, request, form, formset, change):
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
    fields = ["project", "name", "role", "expires_at", "prefix", "created_at", "revoked_at", "last_used_at"]
    readonly_fields = ["prefix", "created_at", "revoked_at", "last_used_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (["project", "role"] if obj else [])

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        key, raw = services.create_api_key(project=obj.project, name=obj.name, role=obj.role,
                                           created_by=request.user, expires_at=obj.expires_at)
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
        fields = ["project", "name", "description"]


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
                                    description=obj.description, created_by=request.user)
        obj.pk = saved.pk
