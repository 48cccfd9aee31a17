"""One admin base for every versioned kind: the definition list (latest version and environment
pointers), the definition page (versions and promotion history inline, "New version"), the
read-only version page ("Promote to…", "Compare"), and their pages in admin_views.py.

A kind declares a `DefinitionAdmin` subclass (kind, new-version form, extra columns) and calls
`register(TheAdmin)`, which registers it and a `VersionAdmin` for the kind's version model.
Project scoping (who sees and changes what) is accounts/admin_scoping.py's.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

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
from agent_platform.definitions import admin_views, selectors, services
from agent_platform.definitions.admin_forms import VersionBodyForm
from agent_platform.definitions.kinds import DefinitionKind

TEMPLATES = "admin/definitions"


def pretty_json(value) -> str:
    """A JSON value as an indented <pre> block."""
    return format_html('<pre class="ac-json">{}</pre>', json.dumps(value, indent=2, ensure_ascii=False))


def version_link(version) -> str:
    if version is None:
        return "—"
    return format_html('<a href="{}">v{}</a>', admin_url(version), version.number)


@dataclass(frozen=True)
class Column:
    """A read-only value computed from an object, shown as a column or field named `name`."""

    name: str
    label: str
    value: Callable[[Any], Any]


def _add_columns(cls: type, columns) -> None:
    for column in columns:
        setattr(cls, column.name, admin.display(description=column.label)(
            lambda self, obj, value=column.value: value(obj)))


class ProjectChoiceAdmin(ProjectScopedAdmin):
    """The `project` field offers only the projects where the user may write."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project":
            kwargs["queryset"] = projects_where(request.user, WRITE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ImmutableAdmin(ProjectScopedAdmin):
    """Viewable only: nothing is added, changed or deleted from the console."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class VersionBodyInline(ReadOnlyInline):
    """A definition's versions, newest first, read-only."""

    verbose_name_plural = "versions (newest first)"
    ordering = ["-number"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")

    @admin.display(description="body")
    def pretty_body(self, obj) -> str:
        return pretty_json(obj.body)


class VersionInline(VersionBodyInline):
    kind: ClassVar[DefinitionKind]

    @admin.display(description="version")
    def version(self, obj) -> str:
        return version_link(obj)

    @admin.display(description="environments")
    def environments(self, obj) -> str:
        return ", ".join(selectors.environments_pointing_at(self.kind, obj)) or "—"

    @admin.display(description="")
    def promote(self, obj) -> str:
        return format_html('<a class="button" href="{}">Promote to…</a>', admin_url(obj, "promote"))


class PromotionInline(ReadOnlyInline):
    verbose_name_plural = "promotions history"
    fields = ["promoted_at", "environment", "from_version", "to_version", "promoted_by", "note"]
    readonly_fields = fields
    ordering = ["-promoted_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("version", "previous_version")

    @admin.display(description="from")
    def from_version(self, obj) -> str:
        return version_link(obj.previous_version)

    @admin.display(description="to")
    def to_version(self, obj) -> str:
        return version_link(obj.version)


class DefinitionForm(forms.ModelForm):
    kind: ClassVar[DefinitionKind]

    def clean(self):
        data = super().clean()
        project = data.get("project") or getattr(self.instance, "project", None)
        name = data.get("name")
        taken = self.kind.definition_model.objects.filter(project=project, name=name).exclude(pk=self.instance.pk)
        if project and name and taken.exists():
            named = self.kind.named(name)
            self.add_error("name", f"{named[:1].upper()}{named[1:]} already exists in {project.slug}.")
        return data


class DefinitionAdmin(ProjectChoiceAdmin):
    """The definition's list and page. Subclasses set `kind` and `version_form`, and may set:
    `version_columns` (shown per version in the inline and the version list), `version_fields`
    and `definition_fields` (extra read-only fields on the pages), `version_summary` (shown on
    the promote page), and the new-version page's texts."""

    kind: ClassVar[DefinitionKind]
    version_form: ClassVar[type[VersionBodyForm]]
    version_columns: ClassVar[tuple[Column, ...]] = ()
    version_fields: ClassVar[tuple[Column, ...]] = ()
    definition_fields: ClassVar[tuple[Column, ...]] = ()
    version_summary: ClassVar[Callable[[Any], str] | None] = None
    new_version_help: ClassVar[str] = ""  # HTML, already safe
    new_version_submit: ClassVar[str] = "Create version"
    after_new_version: ClassVar[str] = "definition"  # or "version": where a created version leads
    version_admin: ClassVar[type[VersionAdmin]]

    list_filter = [ProjectFilter]
    search_fields = ["name", "=id"]
    change_form_template = f"{TEMPLATES}/definition_change_form.html"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        kind = cls.__dict__.get("kind")
        if kind is None:
            return
        extra = [column.name for column in cls.definition_fields]
        cls.form = type(f"{kind.label}Form", (DefinitionForm,), {"kind": kind, "Meta": type("Meta", (), {
            "model": kind.definition_model, "fields": ["project", "name", "description"]})})
        cls.list_display = ["name", "project", "latest_version", "dev", "stage", "prod", "updated_at"]
        cls.fields = ["project", "name", "description", "id", "created_at", "updated_at", *extra]
        inline_fields = ["version", *(c.name for c in cls.version_columns), "environments", "created_by",
                         "created_at", "promote"]
        version_inline = type(f"{kind.label}VersionInline", (VersionInline,), {
            "model": kind.version_model, "kind": kind, "fields": inline_fields, "readonly_fields": inline_fields})
        _add_columns(version_inline, cls.version_columns)
        cls.inlines = [version_inline, type(f"{kind.label}PromotionInline", (PromotionInline,),
                                            {"model": kind.promotion_model})]
        _add_columns(cls, cls.definition_fields)

    def get_queryset(self, request):
        return (super().get_queryset(request).select_related("project")
                .annotate(latest=Max("versions__number")).prefetch_related("environments__version"))

    def get_readonly_fields(self, request, obj=None):
        extra = [column.name for column in self.definition_fields]
        return ["id", "created_at", "updated_at", *extra] + (["project"] if obj else [])

    def get_fields(self, request, obj=None):
        return self.fields if obj is not None else ["project", "name", "description"]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # a new definition has no versions yet

    def get_urls(self):
        view = self.admin_site.admin_view
        name = f"{self.opts.app_label}_{self.opts.model_name}_new_version"
        return [path("<path:object_id>/new-version/", view(self.new_version), name=name), *super().get_urls()]

    def new_version(self, request, object_id):
        return admin_views.new_version_view(self, request, object_id)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        definition = self.object_or_404(request, object_id)
        extra = {"can_author": user_can(request.user, WRITE, definition.project), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)

    def save_model(self, request, obj, form, change):
        # Through the services, so a new definition gets its environments.
        if change:
            services.update_definition(self.kind, obj, **{f: form.cleaned_data[f] for f in form.changed_data})
        else:
            obj.pk = services.create_definition(self.kind, project=obj.project, name=obj.name,
                                                description=obj.description).pk

    def new_version_extra(self, body: dict | None) -> str:
        """Safe HTML below the new-version form: e.g. a preview of `body` (None: a first version;
        {}: what was posted did not parse)."""
        return ""

    @admin.display(description="latest", ordering="latest")
    def latest_version(self, obj) -> str:
        return f"v{obj.latest}" if getattr(obj, "latest", None) else "—"

    def _pointer(self, obj, environment: str) -> str:
        for env in obj.environments.all():
            if env.name == environment:
                return version_link(env.version)
        return "—"

    @admin.display(description="dev")
    def dev(self, obj) -> str:
        return self._pointer(obj, "dev")

    @admin.display(description="stage")
    def stage(self, obj) -> str:
        return self._pointer(obj, "stage")

    @admin.display(description="prod")
    def prod(self, obj) -> str:
        return self._pointer(obj, "prod")


class VersionAdmin(ImmutableAdmin):
    """Versions are immutable: viewable, comparable, promotable, never changed or deleted here."""

    definition_admin: ClassVar[type[DefinitionAdmin]]
    list_filter = [ProjectFilter]
    actions = ["promote_selected"]
    change_form_template = f"{TEMPLATES}/version_change_form.html"

    @classmethod
    def for_definition(cls, definition_admin: type[DefinitionAdmin]) -> type[VersionAdmin]:
        kind = definition_admin.kind
        parent = kind.parent_field
        columns = [c.name for c in definition_admin.version_columns]
        fields = [parent, "number", "content_hash", "created_by", "created_at", "environments",
                  *(c.name for c in definition_admin.version_fields), "pretty_body"]
        version_admin = type(f"{kind.label}VersionAdmin", (cls,), {
            "__module__": definition_admin.__module__, "definition_admin": definition_admin,
            "project_field": f"{parent}__project", "list_display": ["__str__", parent, *columns, "created_by",
                                                                     "created_at"],
            "list_select_related": [parent, "created_by"], "search_fields": [f"{parent}__name", f"={parent}__id"],
            "fields": fields, "readonly_fields": fields})
        _add_columns(version_admin, [*definition_admin.version_columns, *definition_admin.version_fields])
        return version_admin

    @property
    def kind(self) -> DefinitionKind:
        return self.definition_admin.kind

    def get_urls(self):
        view, prefix = self.admin_site.admin_view, f"{self.opts.app_label}_{self.opts.model_name}"
        return [path("<path:object_id>/promote/", view(self.promote), name=f"{prefix}_promote"),
                path("<path:object_id>/diff/", view(self.diff), name=f"{prefix}_diff"),
                *super().get_urls()]

    def promote(self, request, object_id):
        return admin_views.promote_view(self, request, object_id)

    def diff(self, request, object_id):
        return admin_views.diff_view(self, request, object_id)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        version = self.object_or_404(request, object_id)
        definition = version.definition
        extra = {"can_promote": user_can(request.user, WRITE, definition.project), "definition": definition,
                 "definition_opts": definition._meta, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)

    @admin.action(description="Promote to…")
    def promote_selected(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version to promote.", messages.WARNING)
            return None
        return HttpResponseRedirect(admin_url(queryset.get(), "promote"))

    @admin.display(description="environments")
    def environments(self, obj) -> str:
        return ", ".join(selectors.environments_pointing_at(self.kind, obj)) or "—"

    @admin.display(description="body")
    def pretty_body(self, obj) -> str:
        return pretty_json(obj.body)


def register(definition_admin: type[DefinitionAdmin], site: admin.AdminSite = admin.site) -> None:
    """Register a kind's definition admin and the version admin made for it."""
    definition_admin.version_admin = VersionAdmin.for_definition(definition_admin)
    site.register(definition_admin.kind.definition_model, definition_admin)
    site.register(definition_admin.kind.version_model, definition_admin.version_admin)

