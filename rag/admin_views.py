"""Knowledge-base console pages: upload a document, and the query playground.

Both go through `rag.services` / `rag.selectors` exactly as the API does; the page translates
the form and shows the service's field errors next to the fields.
"""
from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from accounts.admin_scoping import READ, WRITE, user_can
from agent_platform.api.errors import ApiError
from agent_platform.service_errors import ServiceError
from rag import retrieval, services
from rag.admin_forms import PlaygroundForm, UploadForm
from rag.models import KnowledgeBase


def _page(model_admin, request: HttpRequest, template: str, status: int = 200, **context) -> TemplateResponse:
    base = {**model_admin.admin_site.each_context(request), "opts": model_admin.model._meta}
    return TemplateResponse(request, template, {**base, **context}, status=status)


def _add_api_errors(form, error: ApiError | ServiceError) -> None:
    for field, problems in (error.errors or {None: [str(error.detail)]}).items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)


def _kb_url(kb: KnowledgeBase) -> str:
    return reverse("admin:rag_knowledgebase_change", args=[quote(kb.pk)])


def upload_view(model_admin, request: HttpRequest, object_id: str) -> HttpResponse:
    """GET: the upload form. POST: store the document, queue its ingestion, back to the knowledge base."""
    kb = model_admin.get_object(request, unquote(object_id))
    if not user_can(request.user, WRITE, kb.project):
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            document, queued = _add(kb, form.cleaned_data)
        except (ApiError, ServiceError) as error:
            _add_api_errors(form, error)
        else:
            if queued:
                messages.success(request, f"{document.name} is queued for ingestion.")
            else:
                messages.info(request, f"{document.name} is unchanged: nothing to do.")
            return HttpResponseRedirect(_kb_url(kb))
    status = 400 if request.method == "POST" else 200
    return _page(model_admin, request, "admin/rag/knowledgebase/upload.html", status=status, kb=kb, form=form,
                 title=f"Add a document to {kb.name}")


def _add(kb: KnowledgeBase, data: dict):
    metadata = data.get("metadata") or {}
    if data.get("file"):
        upload = data["file"]
        return services.add_document(kb=kb, name=data.get("name") or upload.name, source="upload",
                                     content=upload, content_type=upload.content_type or "",
                                     metadata=metadata, filename=upload.name)
    if data.get("url"):
        return services.add_document(kb=kb, name=data.get("name") or data["url"], source="url", url=data["url"],
                                     metadata=metadata)
    return services.add_document(kb=kb, name=data["name"], source="text", content=data["text"].encode(),
                                 metadata=metadata)


def playground_view(model_admin, request: HttpRequest, object_id: str) -> HttpResponse:
    """Run a query (query, top_k, filter JSON, mode, min_score) and show the hits with scores."""
    kb = model_admin.get_object(request, unquote(object_id))
    if not user_can(request.user, READ, kb.project):
        raise PermissionDenied
    form = PlaygroundForm(request.GET if "query" in request.GET else None)
    hits, status = None, 200
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            hits = retrieval.query_hits(kb, data["query"], top_k=data["top_k"], filter=data.get("filter"),
                                        mode=data["mode"], min_score=data.get("min_score"))
        except (ApiError, ServiceError) as error:
            _add_api_errors(form, error)
            status = 400
    elif form.is_bound:
        status = 400
    return _page(model_admin, request, "admin/rag/knowledgebase/playground.html", status=status, kb=kb, form=form,
                 hits=None if hits is None else [hit_row(hit) for hit in hits], title=f"Query {kb.name}")


def metadata_items(metadata: dict[str, Any] | None) -> list[tuple[str, str]]:
    """Metadata as (key, value) pairs for display: strings as they are, anything else as JSON."""
    return [(str(key), value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
            for key, value in sorted((metadata or {}).items())]


def hit_row(hit) -> dict[str, Any]:
    return {"hit": hit, "metadata": metadata_items(hit.metadata)}
