# Generated from the _async/ twin by scripts/unasync.py: edit that file, not this one.
"""`Client`: every resource of the API on one connection pool."""
from __future__ import annotations

from collections.abc import Mapping

import httpx

from agent_platform_sdk._sync._base import DEFAULT_TIMEOUT, BaseClient
from agent_platform_sdk._sync.resources.agents import Agents
from agent_platform_sdk._sync.resources.datasets import Datasets
from agent_platform_sdk._sync.resources.evals import Evals
from agent_platform_sdk._sync.resources.knowledge_bases import KnowledgeBases
from agent_platform_sdk._sync.resources.runs import Runs
from agent_platform_sdk._sync.resources.secrets import Secrets
from agent_platform_sdk._sync.resources.tools import Tools
from agent_platform_sdk._sync.resources.traces import Traces
from agent_platform_sdk._sync.resources.workflows import Workflows
from agent_platform_sdk._retry import RetryPolicy
from agent_platform_sdk._types import TimeoutTypes


class Client(BaseClient):
    """The synchronous client.

    `api_key` and `base_url` default to `AGENT_PLATFORM_API_KEY` / `AGENT_PLATFORM_BASE_URL`
    (then http://127.0.0.1:8000). `timeout` is the default per-call timeout (every method also
    takes `timeout=`); `retries` is a `RetryPolicy` or a number of retries (0 turns them off).
    Use it as a context manager (`with`), or call `close()`.
    """

    def __init__(self, api_key: str | None = None, *, base_url: str | None = None,
                 timeout: TimeoutTypes = DEFAULT_TIMEOUT, retries: RetryPolicy | int | None = None,
                 headers: Mapping[str, str] | None = None, http_client: httpx.Client | None = None) -> None:
        super().__init__(api_key, base_url=base_url, timeout=timeout, retries=retries, headers=headers,
                         http_client=http_client)
        self.agents = Agents(self)
        self.workflows = Workflows(self)
        self.runs = Runs(self)
        self.tools = Tools(self)
        self.knowledge_bases = KnowledgeBases(self)
        self.datasets = Datasets(self)
        self.evals = Evals(self)
        self.traces = Traces(self)
        self.secrets = Secrets(self)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
