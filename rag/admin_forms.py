"""Forms of the knowledge-base console pages: creation settings, document upload, query playground."""
from __future__ import annotations

import json
from typing import Any

from django import forms

from agent_platform.api.errors import ApiError
from agent_platform.service_errors import ServiceError
from rag.models import KnowledgeBase
from rag.retrieval import MAX_TOP_K, MODES
from rag.services import indexing_settings
from runtime.rag.embeddings import LOCAL_DEFAULT_REF


def _json_object(text: str, *, field: str) -> dict[str, Any]:
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise forms.ValidationError(f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).")
    if not isinstance(value, dict):
        raise forms.ValidationError(f"The {field} must be a JSON object.")
    return value


class KnowledgeBaseForm(forms.ModelForm):
    """New knowledge bases choose their embedding model and chunking; both are fixed afterwards
    (the API's PATCH re-indexes if they change)."""

    strategy = forms.ChoiceField(choices=[("markdown", "markdown (heading aware)"), ("recursive", "recursive")],
                                 initial="markdown", required=False)
    chunk_tokens = forms.IntegerField(min_value=16, max_value=8192, initial=200, required=False,
                                      help_text="capped at what the embedding model reads whole (200 for MiniLM)")
    overlap_tokens = forms.IntegerField(min_value=0, max_value=4096, initial=32, required=False)

    class Meta:
        model = KnowledgeBase
        fields = ["project", "name", "description", "embedding_model"]
        help_texts = {"embedding_model": f"{LOCAL_DEFAULT_REF} (default, local), openai/<model> or "
                                         "compat:<provider>/<model>"}

    def chunking(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {k: data[k] for k in ("strategy", "chunk_tokens", "overlap_tokens") if data.get(k) not in (None, "")}

    def clean(self):
        data = super().clean()
        project = data.get("project") or getattr(self.instance, "project", None)
        name = data.get("name")
        if project and name and KnowledgeBase.objects.filter(project=project, name=name).exclude(
                pk=self.instance.pk).exists():
            self.add_error("name", f"A knowledge base named {name!r} already exists in {project.slug}.")
        if project and self.instance._state.adding and data.get("embedding_model"):
            try:  # the same checks as the API: a known model, a valid (capped) chunking policy
                indexing_settings(project, embedding_model=data["embedding_model"], embedding_config=None,
                                  chunking=self.chunking())
            except (ApiError, ServiceError) as error:
                for field, problems in error.errors.items():
                    for problem in problems:
                        self.add_error("embedding_model" if field == "embedding_model" else None, problem)
        return data


class UploadForm(forms.Form):
    file = forms.FileField(required=False, help_text="text, Markdown, HTML or PDF")
    url = forms.URLField(required=False, max_length=2000, help_text="or a URL (fetched by the worker)")
    text = forms.CharField(required=False, strip=False, widget=forms.Textarea(attrs={"rows": 6, "cols": 90}),
                           help_text="or pasted text (needs a name)")
    name = forms.CharField(required=False, max_length=500, help_text="default: the file name or the URL")
    metadata = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 90, "class": "json"}),
                               help_text='a JSON object, e.g. {"lang": "en", "year": 2024}')

    def clean_metadata(self) -> dict[str, Any]:
        return _json_object(self.cleaned_data.get("metadata", ""), field="metadata")

    def clean(self):
        data = super().clean()
        given = [k for k in ("file", "url", "text") if data.get(k)]
        if len(given) != 1:
            raise forms.ValidationError("Give exactly one of a file, a URL or a text.")
        if given == ["text"] and not data.get("name"):
            self.add_error("name", "A pasted text needs a name.")
        return data


class PlaygroundForm(forms.Form):
    query = forms.CharField(max_length=10_000, widget=forms.TextInput(attrs={"size": 80}))
    top_k = forms.IntegerField(min_value=1, max_value=MAX_TOP_K, initial=5)
    mode = forms.ChoiceField(choices=[(m, m) for m in MODES], initial="vector")
    filter = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 90, "class": "json"}),
                             help_text='e.g. {"lang": "en", "year": {"gte": 2020}, "tags": ["a", "b"]}')
    min_score = forms.FloatField(required=False, min_value=-1, max_value=1)

    def clean_filter(self) -> dict[str, Any] | None:
        return _json_object(self.cleaned_data.get("filter", ""), field="filter") or None
