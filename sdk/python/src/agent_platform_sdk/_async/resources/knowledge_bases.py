"""`client.knowledge_bases`: knowledge bases, their documents (text, URL or file), and queries."""
from __future__ import annotations

import json
import time
from typing import IO, Any, Dict

from agent_platform_sdk._async._pagination import AsyncPaginator
from agent_platform_sdk._async.resources._resource import AsyncResource, segment
from agent_platform_sdk._retry import async_sleep
from agent_platform_sdk._types import NOT_GIVEN, NotGiven, TimeoutTypes, query_params, strip_not_given
from agent_platform_sdk.errors import APITimeoutError
from agent_platform_sdk.models import (
    Document,
    DocumentCreate,
    KnowledgeBase,
    KnowledgeBaseCreate,
    KnowledgeBaseUpdate,
    QueryRequest,
    QueryResult,
)

Timeout = TimeoutTypes | NotGiven


class AsyncDocuments(AsyncResource):
    def _path(self, kb_id: str, *rest: str) -> str:
        return "/".join([f"/knowledge-bases/{segment(kb_id)}/documents", *(segment(part) for part in rest)])

    async def create(self, kb_id: str, *, text: str | NotGiven = NOT_GIVEN, url: str | NotGiven = NOT_GIVEN,
                     name: str | NotGiven = NOT_GIVEN, content_type: str | NotGiven = NOT_GIVEN,
                     metadata: Dict[str, Any] | NotGiven = NOT_GIVEN, idempotency_key: str | None = None,
                     timeout: Timeout = NOT_GIVEN) -> Document:
        """Add a document from `text` or a `url`; ingestion runs on a worker (`status` queued → ready)."""
        payload = DocumentCreate(**strip_not_given({"text": text, "url": url, "name": name,
                                                    "content_type": content_type, "metadata": metadata})).payload()
        return await self._client.send_model("POST", self._path(kb_id), Document, json=payload, create=True,
                                             idempotency_key=idempotency_key, timeout=timeout)

    async def upload(self, kb_id: str, *, file: bytes | IO[bytes], filename: str,
                     content_type: str = "application/octet-stream", name: str | NotGiven = NOT_GIVEN,
                     metadata: Dict[str, Any] | NotGiven = NOT_GIVEN, idempotency_key: str | None = None,
                     timeout: Timeout = NOT_GIVEN) -> Document:
        """Upload a file (text, Markdown, HTML or PDF) as multipart; the bytes are read once so
        that a retry can send them again."""
        content = file if isinstance(file, bytes) else file.read()
        data = strip_not_given({"name": name, "metadata": metadata if isinstance(metadata, NotGiven)
                                else json.dumps(metadata)})
        return await self._client.send_model("POST", self._path(kb_id), Document, data=data,
                                             files={"file": (filename, content, content_type)}, create=True,
                                             idempotency_key=idempotency_key, timeout=timeout)

    async def get(self, kb_id: str, document_id: str, *, timeout: Timeout = NOT_GIVEN) -> Document:
        return await self._client.get_model(self._path(kb_id, document_id), Document, timeout=timeout)

    def list(self, kb_id: str, *, limit: int | None = None, timeout: Timeout = NOT_GIVEN) -> AsyncPaginator[Document]:
        return AsyncPaginator(self._client, self._path(kb_id), Document, query_params({"limit": limit}),
                              timeout=timeout)

    async def delete(self, kb_id: str, document_id: str, *, timeout: Timeout = NOT_GIVEN) -> None:
        await self._client.request("DELETE", self._path(kb_id, document_id), timeout=timeout)

    async def reindex(self, kb_id: str, document_id: str, *, timeout: Timeout = NOT_GIVEN) -> Document:
        return await self._client.send_model("POST", self._path(kb_id, document_id, "reindex"), Document,
                                             timeout=timeout)

    async def wait_until_settled(self, kb_id: str, document_id: str, *, wait_timeout: float = 120.0,
                                 poll_interval: float = 0.2) -> Document:
        """Poll the document until it is `ready` or `failed` (ingestion offers no stream)."""
        deadline = time.monotonic() + wait_timeout
        while True:
            document = await self.get(kb_id, document_id)
            if document.is_settled:
                return document
            if time.monotonic() >= deadline:
                raise APITimeoutError(f"document {document_id} still {document.status} after {wait_timeout} s")
            await async_sleep(poll_interval)


class AsyncKnowledgeBases(AsyncResource):
    def __init__(self, client: Any) -> None:
        super().__init__(client)
        self.documents = AsyncDocuments(client)

    async def create(self, *, name: str, description: str | NotGiven = NOT_GIVEN,
                     embedding_model: str | NotGiven = NOT_GIVEN,
                     embedding_config: Dict[str, Any] | NotGiven = NOT_GIVEN,
                     chunking: Dict[str, Any] | NotGiven = NOT_GIVEN, idempotency_key: str | None = None,
                     timeout: Timeout = NOT_GIVEN) -> KnowledgeBase:
        payload = KnowledgeBaseCreate(**strip_not_given({
            "name": name, "description": description, "embedding_model": embedding_model,
            "embedding_config": embedding_config, "chunking": chunking})).payload()
        return await self._client.send_model("POST", "/knowledge-bases", KnowledgeBase, json=payload, create=True,
                                             idempotency_key=idempotency_key, timeout=timeout)

    async def get(self, kb_id: str, *, timeout: Timeout = NOT_GIVEN) -> KnowledgeBase:
        return await self._client.get_model(f"/knowledge-bases/{segment(kb_id)}", KnowledgeBase, timeout=timeout)

    def list(self, *, limit: int | None = None, timeout: Timeout = NOT_GIVEN) -> AsyncPaginator[KnowledgeBase]:
        return AsyncPaginator(self._client, "/knowledge-bases", KnowledgeBase, query_params({"limit": limit}),
                              timeout=timeout)

    async def update(self, kb_id: str, *, name: str | NotGiven = NOT_GIVEN,
                     description: str | NotGiven = NOT_GIVEN,
                     chunking: Dict[str, Any] | NotGiven = NOT_GIVEN,
                     timeout: Timeout = NOT_GIVEN) -> KnowledgeBase:
        payload = KnowledgeBaseUpdate(**strip_not_given({"name": name, "description": description,
                                                         "chunking": chunking})).payload()
        return await self._client.send_model("PATCH", f"/knowledge-bases/{segment(kb_id)}", KnowledgeBase,
                                             json=payload, timeout=timeout)

    async def delete(self, kb_id: str, *, timeout: Timeout = NOT_GIVEN) -> None:
        await self._client.request("DELETE", f"/knowledge-bases/{segment(kb_id)}", timeout=timeout)

    async def query(self, kb_id: str, *, query: str, top_k: int | NotGiven = NOT_GIVEN,
                    filter: Dict[str, Any] | NotGiven = NOT_GIVEN, mode: str | NotGiven = NOT_GIVEN,
                    min_score: float | NotGiven = NOT_GIVEN, timeout: Timeout = NOT_GIVEN) -> QueryResult:
        """Retrieve the best chunks (`mode`: "vector" or "hybrid")."""
        payload = QueryRequest(**strip_not_given({"query": query, "top_k": top_k, "filter": filter, "mode": mode,
                                                  "min_score": min_score})).payload()
        return await self._client.send_model("POST", f"/knowledge-bases/{segment(kb_id)}/query", QueryResult,
                                             json=payload, timeout=timeout)
