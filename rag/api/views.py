"""Knowledge bases, documents and queries over HTTP: translate and delegate to services."""
from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response

from agent_platform.api.errors import ApiError, FieldError
from agent_platform.api.idempotency import idempotent
from agent_platform.api.input_boundary import BoundedJSONParser, BoundedMultiPartParser, load_bounded_json
from agent_platform.api.serializers import validated
from agent_platform.api.views import ProjectAPIView
from rag import retrieval, selectors, services
from rag.api import serializers as s

MULTIPART_SLACK = 64 * 1024  # form fields and boundaries around the file


class PayloadTooLarge(ApiError):
    status_code, default_code, title = 413, "payload_too_large", "Payload too large"


def _too_large() -> PayloadTooLarge:
    limit = settings.PLATFORM_MAX_UPLOAD_BYTES
    return PayloadTooLarge(f"Uploads are limited to {limit} bytes (PLATFORM_MAX_UPLOAD_BYTES).", field="file")


def _document_response(document, queued: bool) -> Response:
    return Response(s.DocumentOut(document).data, status=202 if queued else 200)


class KnowledgeBaseList(ProjectAPIView):
    @extend_schema(responses=s.KnowledgeBaseOut(many=True))
    def get(self, request):
        return self.list_response(selectors.knowledge_bases_for_project(request.project),
                                  lambda kb: s.KnowledgeBaseOut(kb).data)

    @extend_schema(request=s.KnowledgeBaseIn, responses={201: s.KnowledgeBaseOut})
    def post(self, request):
        data = validated(s.KnowledgeBaseIn, request.data)

        def create():
            kb = services.create_knowledge_base(project=request.project, **data)
            return Response(s.KnowledgeBaseOut(kb).data, status=201)
        return idempotent(request, "POST /knowledge-bases", create)


class KnowledgeBaseDetail(ProjectAPIView):
    permission_map = {"DELETE": "deploy_project"}

    @extend_schema(responses=s.KnowledgeBaseOut)
    def get(self, request, kb_id: str):
        return Response(s.KnowledgeBaseOut(selectors.get_knowledge_base(request.project, kb_id)).data)

    @extend_schema(request=s.KnowledgeBasePatch, responses=s.KnowledgeBaseOut)
    def patch(self, request, kb_id: str):
        kb = selectors.get_knowledge_base(request.project, kb_id)
        data = validated(s.KnowledgeBasePatch, request.data)
        kb, _ = services.update_knowledge_base(kb=kb, **data)
        return Response(s.KnowledgeBaseOut(kb).data)

    @extend_schema(responses={204: None})
    def delete(self, request, kb_id: str):
        services.delete_knowledge_base(kb=selectors.get_knowledge_base(request.project, kb_id))
        return Response(status=204)


class DocumentList(ProjectAPIView):
    parser_classes = [BoundedJSONParser, BoundedMultiPartParser]

    @extend_schema(responses=s.DocumentOut(many=True))
    def get(self, request, kb_id: str):
        kb = selectors.get_knowledge_base(request.project, kb_id)
        return self.list_response(selectors.documents_of(kb), lambda d: s.DocumentOut(d).data)

    @extend_schema(
        request={"application/json": s.DocumentIn, "multipart/form-data": s.DocumentUploadIn},
        responses={202: OpenApiResponse(s.DocumentOut, description="queued for ingestion"),
                   200: OpenApiResponse(s.DocumentOut, description="unchanged content: nothing to do"),
                   413: OpenApiResponse(description="the upload is larger than PLATFORM_MAX_UPLOAD_BYTES")})
    def post(self, request, kb_id: str):
        kb = selectors.get_knowledge_base(request.project, kb_id)
        if request.content_type.startswith("multipart/"):
            return self._upload(request, kb)
        data = validated(s.DocumentIn, request.data)

        def create():
            if "url" in data:
                document, queued = services.add_document(kb=kb, name=data.get("name") or data["url"], source="url",
                                                         url=data["url"], metadata=data.get("metadata"))
            else:
                document, queued = services.add_document(
                    kb=kb, name=data["name"], source="text", content=data["text"].encode(),
                    content_type=data.get("content_type", ""), metadata=data.get("metadata"))
            return _document_response(document, queued)
        return idempotent(request, f"POST /knowledge-bases/{kb.pk}/documents", create)

    def _upload(self, request, kb):
        # Uploads are idempotent by content: the same name and bytes is a no-op.
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > settings.PLATFORM_MAX_UPLOAD_BYTES + MULTIPART_SLACK:
            raise _too_large()
        data = validated(s.DocumentUploadIn, request.data)
        upload = data["file"]
        if upload.size > settings.PLATFORM_MAX_UPLOAD_BYTES:
            raise _too_large()
        document, queued = services.add_document(
            kb=kb, name=data.get("name") or upload.name, source="upload", content=upload,
            content_type=upload.content_type or "", metadata=_metadata(data.get("metadata")), filename=upload.name)
        return _document_response(document, queued)


def _metadata(raw: str | None) -> dict:
    if raw in (None, ""):
        return {}
    try:
        value = load_bounded_json(raw, "metadata")
    except ValueError:
        raise FieldError("metadata", "must be a JSON object") from None
    if not isinstance(value, dict):
        raise FieldError("metadata", "must be a JSON object")
    return value


class DocumentDetail(ProjectAPIView):
    permission_map = {"DELETE": "deploy_project"}

    @extend_schema(responses=s.DocumentOut)
    def get(self, request, kb_id: str, document_id: str):
        kb = selectors.get_knowledge_base(request.project, kb_id)
        return Response(s.DocumentOut(selectors.get_document(kb, document_id)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, kb_id: str, document_id: str):
        kb = selectors.get_knowledge_base(request.project, kb_id)
        services.delete_document(document=selectors.get_document(kb, document_id))
        return Response(status=204)


class DocumentReindex(ProjectAPIView):
    @extend_schema(request=None, responses={202: s.DocumentOut})
    def post(self, request, kb_id: str, document_id: str):
        kb = selectors.get_knowledge_base(request.project, kb_id)
        document = services.reindex_document(document=selectors.get_document(kb, document_id))
        return Response(s.DocumentOut(document).data, status=202)


class KnowledgeBaseQuery(ProjectAPIView):
    permission_map = {"POST": "read_project"}  # a search is a read

    @extend_schema(request=s.QueryIn, responses=s.QueryOut)
    def post(self, request, kb_id: str):
        kb = selectors.get_knowledge_base(request.project, kb_id)
        data = validated(s.QueryIn, request.data)
        hits = retrieval.query_hits(kb, data["query"], top_k=data["top_k"], filter=data.get("filter"),
                                    mode=data["mode"], min_score=data.get("min_score"),
                                    mmr_lambda=data.get("mmr_lambda"))
        return Response({"data": [hit.to_dict() for hit in hits]})
