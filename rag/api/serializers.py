from __future__ import annotations

from rest_framework import serializers

from agent_platform.api.serializers import StrictSerializer
from agents.api.serializers import name_field
from rag.models import Document, KnowledgeBase
from rag.retrieval import MAX_TOP_K, MODES


class KnowledgeBaseOut(serializers.ModelSerializer):
    document_count = serializers.SerializerMethodField()

    class Meta:
        model = KnowledgeBase
        fields = ["id", "name", "description", "embedding_model", "embedding_config", "dimensions", "chunking",
                  "document_count", "created_at", "updated_at"]

    def get_document_count(self, kb) -> int:
        count = getattr(kb, "document_count", None)
        return count if count is not None else kb.documents.count()


class ChunkingIn(StrictSerializer):
    """How documents are cut. `chunk_tokens` is capped at what the embedding model reads whole
    (200 for the local MiniLM model); `overlap_tokens` at most half of it."""

    strategy = serializers.ChoiceField(choices=["recursive", "markdown"], required=False)
    chunk_tokens = serializers.IntegerField(min_value=16, max_value=8192, required=False)
    overlap_tokens = serializers.IntegerField(min_value=0, max_value=4096, required=False)
    separators = serializers.ListField(child=serializers.CharField(max_length=200), max_length=20, required=False)


class EmbeddingConfigIn(StrictSerializer):
    """Non-secret embedder settings. Keys come from project secrets (`OPENAI_API_KEY`), base URLs of
    `compat:<name>/<model>` refs from the project's provider settings."""

    dimensions = serializers.IntegerField(min_value=1, max_value=4000, required=False)
    batch_size = serializers.IntegerField(min_value=1, max_value=2048, required=False)
    timeout_s = serializers.FloatField(min_value=1, max_value=600, required=False)
    max_retries = serializers.IntegerField(min_value=0, max_value=10, required=False)
    send_dimensions = serializers.BooleanField(required=False)


class KnowledgeBaseIn(StrictSerializer):
    name = name_field()
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    embedding_model = serializers.CharField(required=False, max_length=200,
                                            help_text="`local/all-minilm-l6-v2` (default, 384 dims), "
                                                      "`openai/<model>` or `compat:<provider>/<model>`")
    embedding_config = EmbeddingConfigIn(required=False)
    chunking = ChunkingIn(required=False)


class KnowledgeBasePatch(StrictSerializer):
    """Name and description change freely; a new embedding model or chunking policy re-indexes
    every document (a new model empties the knowledge base until its documents are done)."""

    name = name_field(required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    embedding_model = serializers.CharField(required=False, max_length=200)
    embedding_config = EmbeddingConfigIn(required=False)
    chunking = ChunkingIn(required=False)


class DocumentOut(serializers.ModelSerializer):
    knowledge_base = serializers.CharField(source="knowledge_base_id")
    error = serializers.JSONField(allow_null=True, help_text="`{type, message}` when `status` is `failed`")

    class Meta:
        model = Document
        fields = ["id", "knowledge_base", "name", "source", "url", "content_type", "content_hash", "metadata",
                  "status", "error", "progress", "chunk_count", "created_at", "updated_at"]


class DocumentIn(StrictSerializer):
    """JSON document: `text` (pasted content; type from `content_type` or the name's extension) or
    `url` (fetched by the worker, SSRF-checked against the project's allow-list)."""

    name = serializers.CharField(max_length=500, required=False)
    text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    url = serializers.URLField(required=False, max_length=2000)
    content_type = serializers.CharField(required=False, max_length=200)
    metadata = serializers.DictField(required=False)

    def validate(self, data):
        if ("text" in data) == ("url" in data):
            raise serializers.ValidationError({"text": ["Give exactly one of text or url."]})
        if "text" in data and not data.get("name"):
            raise serializers.ValidationError({"name": ["A text document needs a name."]})
        return data


class DocumentUploadIn(StrictSerializer):
    """Multipart upload: `file`, optional `name` (default: the file name) and `metadata` (a JSON object,
    as a string)."""

    file = serializers.FileField()
    name = serializers.CharField(max_length=500, required=False)
    metadata = serializers.CharField(required=False, help_text="a JSON object")


class QueryIn(StrictSerializer):
    query = serializers.CharField(max_length=10_000)
    top_k = serializers.IntegerField(min_value=1, max_value=MAX_TOP_K, required=False, default=5)
    filter = serializers.DictField(required=False, allow_null=True,
                                   help_text='metadata filter, e.g. {"lang": "en", "year": {"gte": 2020}, '
                                             '"tag": ["a", "b"]}')
    mode = serializers.ChoiceField(choices=MODES, required=False, default="vector")
    min_score = serializers.FloatField(required=False, allow_null=True, min_value=-1, max_value=1,
                                       help_text="minimum cosine similarity (in hybrid mode, before fusion)")
    mmr_lambda = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=1,
                                        help_text="re-rank with maximal marginal relevance (1 = relevance only)")


class HitOut(serializers.Serializer):
    chunk_id = serializers.CharField()
    document_id = serializers.CharField()
    document_name = serializers.CharField()
    text = serializers.CharField()
    score = serializers.FloatField()
    metadata = serializers.DictField()
    signals = serializers.DictField(child=serializers.FloatField(), required=False,
                                    help_text="hybrid mode: each ranker's rank and score")


class QueryOut(serializers.Serializer):
    data = HitOut(many=True)
