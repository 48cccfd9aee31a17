from django.apps import AppConfig


class RagConfig(AppConfig):
    name = "rag"
    verbose_name = "RAG"

    def ready(self) -> None:
        from accounts import audit
        from rag.models import Document, KnowledgeBase

        audit.register(KnowledgeBase)
        # Progress and status change constantly while a job runs: audit what people change.
        audit.register(Document, exclude_fields=["progress", "status", "error", "chunk_count", "content_hash",
                                                 "revision", "updated_at"])
