"""Reads for knowledge bases and documents."""
from __future__ import annotations

from django.db.models import Count, QuerySet

from agent_platform.service_errors import ObjectNotFound
from rag.models import Chunk, Document, KnowledgeBase


def knowledge_bases_for_project(project) -> QuerySet[KnowledgeBase]:
    return KnowledgeBase.objects.filter(project=project).annotate(document_count=Count("documents"))


def find_knowledge_base(project, ref: str) -> KnowledgeBase | None:
    """A knowledge base by id (`kb_…`) or name, in this project only; None if there is none."""
    query = KnowledgeBase.objects.filter(project=project).select_related("project")
    return query.filter(pk=ref).first() if ref.startswith("kb_") else query.filter(name=ref).first()


def get_knowledge_base(project, ref: str) -> KnowledgeBase:
    kb = find_knowledge_base(project, ref)
    if kb is None:
        raise ObjectNotFound(f"Knowledge base {ref!r} not found.")
    return kb


def knowledge_base_exists(project, ref: str) -> bool:
    """Whether `ref` (id or name) names a knowledge base of `project` (agent and workflow references)."""
    return find_knowledge_base(project, ref) is not None


def documents_of(kb: KnowledgeBase) -> QuerySet[Document]:
    return Document.objects.filter(knowledge_base=kb)


def get_document(kb: KnowledgeBase, document_id: str) -> Document:
    document = Document.objects.filter(knowledge_base=kb, pk=document_id).first()
    if document is None:
        raise ObjectNotFound(f"Document {document_id!r} not found in knowledge base {kb.name!r}.")
    return document


def chunk_count(kb: KnowledgeBase) -> int:
    return Chunk.objects.filter(knowledge_base=kb).count()

