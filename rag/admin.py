"""Knowledge bases in the admin console: documents inline (status, error, chunks), upload page,
re-index and delete actions, and a query playground (rag/admin_views.py)."""
from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.db.models import Count
from django.urls import path, reverse
from django.utils.html import format_html

from accounts.admin_scoping import (
    DEPLOY,
    READ,
    WRITE,
    ProjectFilter,
    ProjectScopedAdmin,
    ReadOnlyInline,
    projects_where,
    user_can,
)
from rag import admin_views, services
from rag.admin_forms import KnowledgeBaseForm
from rag.models import Document, KnowledgeBase


def status_badge(document: Document) -> str:
    css = {"ready": "succeeded", "processing": "running"}.get(document.status, document.status)
    return format_html('<span class="ac-status ac-status-{}">{}</span>', css, document.status)


def error_text(document: Document) -> str:
    if not document.error:
        return "—"
    return f"{document.error.get('type', 'error')}: {document.error.get('message', '')}"


class DocumentInline(ReadOnlyInline):
    model = Document
    verbose_name_plural = "documents"
    fields = ["document", "source", "state", "progress_pct", "chunk_count", "error_message", "updated_at"]
    readonly_fields = fields
    ordering = ["name"]

    @admin.display(description="name")
    def document(self, obj: Document) -> str:
        return format_html('<a href="{}">{}</a>', reverse("admin:rag_document_change", args=[quote(obj.pk)]), obj.name)

    @admin.display(description="status")
    def state(self, obj: Document) -> str:
        return status_badge(obj)

    @admin.display(description="progress")
    def progress_pct(self, obj: Document) -> str:
        return f"{obj.progress:.0%}"

    @admin.display(description="error")
    def error_message(self, obj: Document) -> str:
        return error_text(obj)


@admin.register(KnowledgeBase)
class KnowledgeBaseAdmin(ProjectScopedAdmin):
    form = KnowledgeBaseForm
    list_display = ["name", "project", "embedding_model", "dimensions", "documents", "updated_at"]
    list_filter = [ProjectFilter]
    search_fields = ["name", "=id"]
    inlines = [DocumentInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("project").annotate(n_documents=Count("documents"))

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["project", "name", "description", "embedding_model", "strategy", "chunk_tokens", "overlap_tokens"]
        return ["project", "name", "description", "id", "embedding_model", "dimensions", "chunking", "created_at",
                "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["project", "id", "embedding_model", "dimensions", "chunking", "created_at", "updated_at"]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project":
            kwargs["queryset"] = projects_where(request.user, WRITE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        # Through the services: a new knowledge base gets its HNSW index, settings are validated.
        if change:
            services.update_knowledge_base(kb=obj, **{f: form.cleaned_data[f] for f in form.changed_data
                                                      if f in ("name", "description")})
            return
        created = services.create_knowledge_base(project=obj.project, name=obj.name, description=obj.description,
                                                 embedding_model=obj.embedding_model, chunking=form.chunking())
        obj.pk = created.pk

    def delete_model(self, request, obj):
        services.delete_knowledge_base(kb=obj)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<path:object_id>/upload/", view(self.upload), name="rag_knowledgebase_upload"),
                path("<path:object_id>/playground/", view(self.playground), name="rag_knowledgebase_playground"),
                *super().get_urls()]

    def upload(self, request, object_id):
        return admin_views.upload_view(self, request, object_id)

    def playground(self, request, object_id):
        return admin_views.playground_view(self, request, object_id)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        kb = self.get_object(request, unquote(object_id))
        extra = {"can_upload": user_can(request.user, WRITE, kb.project),
                 "can_query": user_can(request.user, READ, kb.project), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)

    @admin.display(description="documents", ordering="n_documents")
    def documents(self, obj: KnowledgeBase) -> int:
        return obj.n_documents


@admin.register(Document)
class DocumentAdmin(ProjectScopedAdmin):
    """Documents are written by uploads and jobs: viewable, re-indexable and deletable here."""

    project_field = "knowledge_base__project"
    list_display = ["name", "knowledge_base", "source", "state", "chunk_count", "error_message", "updated_at"]
    list_filter = [ProjectFilter, "status", "source"]
    list_select_related = ["knowledge_base"]
    search_fields = ["name", "=id", "url"]
    fields = ["knowledge_base", "name", "id", "source", "url", "content_type", "content_hash", "metadata", "status",
              "error", "progress", "chunk_count", "created_at", "updated_at"]
    readonly_fields = fields
    actions = ["reindex_selected", "delete_selected_documents"]

    def has_add_permission(self, request) -> bool:
        return False  # added from the knowledge base's upload page

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def delete_model(self, request, obj):
        services.delete_document(document=obj)

    def _allowed(self, request, queryset, permission: str) -> list[Document]:
        documents = list(queryset.select_related("knowledge_base__project"))
        refused = [d.name for d in documents if not user_can(request.user, permission, d.knowledge_base.project)]
        if refused:
            self.message_user(request, f"Your role does not allow this for: {', '.join(refused)}.", messages.ERROR)
            return []
        return documents

    @admin.action(description="Re-index selected documents")
    def reindex_selected(self, request, queryset):
        documents = self._allowed(request, queryset, WRITE)
        for document in documents:
            services.reindex_document(document=document)
        if documents:
            self.message_user(request, f"Queued {len(documents)} document(s) for re-indexing.", messages.SUCCESS)

    @admin.action(description="Delete selected documents and their chunks")
    def delete_selected_documents(self, request, queryset):
        documents = self._allowed(request, queryset, DEPLOY)
        for document in documents:
            services.delete_document(document=document)
        if documents:
            self.message_user(request, f"Deleted {len(documents)} document(s).", messages.SUCCESS)

    @admin.display(description="status", ordering="status")
    def state(self, obj: Document) -> str:
        return status_badge(obj)

    @admin.display(description="error")
    def error_message(self, obj: Document) -> str:
        return error_text(obj)
