"""`AsyncClient`: every resource of the API on one connection pool."""
from __future__ import annotations

from collections.abc import Mapping

import httpx

from agent_platform_sdk._async._base import DEFAULT_TIMEOUT, AsyncBaseClient
from agent_platform_sdk._async.resources.agents import AsyncAgents
from agent_platform_sdk._async.resources.datasets import AsyncDatasets
from agent_platform_sdk._async.resources.evals import AsyncEvals
from agent_platform_sdk._async.resources.knowledge_bases import AsyncKnowledgeBases
from agent_platform_sdk._async.resources.runs import AsyncRuns
from agent_platform_sdk._async.resources.secrets import AsyncSecrets
from agent_platform_sdk._async.resources.tools import AsyncTools
from agent_platform_sdk._async.resources.traces import AsyncTraces
from agent_platform_sdk._async.resources.workflows import AsyncWorkflows
from agent_platform_sdk._retry import RetryPolicy
from agent_platform_sdk._types import TimeoutTypes


class AsyncClient(AsyncBaseClient):
    """The asynchronous client.

    `api_key` and `base_url` default to `AGENT_PLATFORM_API_KEY` / `AGENT_PLATFORM_BASE_URL`
    (then http://127.0.0.1:8000). `timeout` is the default per-call timeout (every method also
    takes `timeout=`); `retries` is a `RetryPolicy` or a number of retries (0 turns them off).
    Use it as a context manager (`async with`), or call `aclose()`.
    """

    def __init__(self, api_key: str | None = None, *, base_url: str | None = None,
                 timeout: TimeoutTypes = DEFAULT_TIMEOUT, retries: RetryPolicy | int | None = None,
                 headers: Mapping[str, str] | None = None, http_client: httpx.AsyncClient | None = None) -> None:
        super().__init__(api_key, base_url=base_url, timeout=timeout, retries=retries, headers=headers,
                         http_client=http_client)
        self.agents = AsyncAgents(self)
        self.workflows = AsyncWorkflows(self)
        self.runs = AsyncRuns(self)
        self.tools = AsyncTools(self)
        self.knowledge_bases = AsyncKnowledgeBases(self)
        self.datasets = AsyncDatasets(self)
        self.evals = AsyncEvals(self)
        self.traces = AsyncTraces(self)
        self.secrets = AsyncSecrets(self)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
