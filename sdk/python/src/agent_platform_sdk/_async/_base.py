"""The request loop of `AsyncClient`: auth, per-call timeouts, retries, idempotency keys, errors."""
from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from agent_platform_sdk._retry import (
    RetryPolicy,
    as_policy,
    async_sleep,
    is_retryable_response,
    is_retryable_transport_error,
    parse_retry_after,
)
from agent_platform_sdk._types import NOT_GIVEN, NotGiven, TimeoutTypes
from agent_platform_sdk._version import __version__
from agent_platform_sdk.errors import APIConnectionError, APITimeoutError, error_from_response

ModelT = TypeVar("ModelT", bound=BaseModel)
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
DEFAULT_TIMEOUT = 30.0
API_PREFIX = "/api/v1"


class AsyncBaseClient:
    """Holds the HTTP connection pool and sends every request of the resources."""

    def __init__(self, api_key: str | None = None, *, base_url: str | None = None,
                 timeout: TimeoutTypes = DEFAULT_TIMEOUT, retries: RetryPolicy | int | None = None,
                 headers: Mapping[str, str] | None = None, http_client: httpx.AsyncClient | None = None) -> None:
        api_key = api_key or os.environ.get("AGENT_PLATFORM_API_KEY")
        if not api_key:
            raise ValueError("pass api_key= or set AGENT_PLATFORM_API_KEY")
        self.base_url = (base_url or os.environ.get("AGENT_PLATFORM_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.retry_policy = as_policy(retries)
        self.timeout = timeout
        self._auth = {"Authorization": f"Bearer {api_key}", "User-Agent": f"agent-platform-sdk-python/{__version__}",
                      **(headers or {})}
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=timeout)

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    def url(self, path: str) -> str:
        return f"{self.base_url}{API_PREFIX}{path}"

    async def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                      json: Any = None, data: Mapping[str, Any] | None = None, files: Any = None,
                      create: bool = False, idempotency_key: str | None = None,
                      timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
                      retries: RetryPolicy | int | None | NotGiven = NOT_GIVEN) -> httpx.Response:
        """Send one API call, retrying what is safe to retry. A `create` gets one
        `Idempotency-Key` (generated unless given) that every retry of it reuses."""
        policy = self.retry_policy if isinstance(retries, NotGiven) else as_policy(retries)
        headers = dict(self._auth)
        key = idempotency_key or (f"sdk-{uuid.uuid4()}" if create else None)
        if key:
            headers["Idempotency-Key"] = key
        call_timeout = self.timeout if isinstance(timeout, NotGiven) else timeout
        attempt = 0
        while True:
            try:
                response = await self._http.request(method, self.url(path), params=params, json=json, data=data,
                                                    files=files, headers=headers, timeout=call_timeout)
            except httpx.TransportError as exc:
                if attempt < policy.max_retries and is_retryable_transport_error(exc, method, key is not None):
                    await async_sleep(policy.backoff(attempt))
                    attempt += 1
                    continue
                error = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
                raise error(f"{method} {path}: {exc!r}", request=exc.request) from exc
            if response.is_success:
                return response
            if attempt < policy.max_retries and is_retryable_response(response):
                wait = policy.delay(attempt, parse_retry_after(response.headers))
                if wait is not None:
                    await async_sleep(wait)
                    attempt += 1
                    continue
            raise error_from_response(response)

    async def get_model(self, path: str, model: type[ModelT], *, params: Mapping[str, Any] | None = None,
                        timeout: TimeoutTypes | NotGiven = NOT_GIVEN) -> ModelT:
        response = await self.request("GET", path, params=params, timeout=timeout)
        return model.model_validate(response.json())

    async def send_model(self, method: str, path: str, model: type[ModelT], *, json: Any = None,
                         create: bool = False, idempotency_key: str | None = None,
                         timeout: TimeoutTypes | NotGiven = NOT_GIVEN, **extra: Any) -> ModelT:
        response = await self.request(method, path, json=json, create=create, idempotency_key=idempotency_key,
                                      timeout=timeout, **extra)
        return model.model_validate(response.json())
