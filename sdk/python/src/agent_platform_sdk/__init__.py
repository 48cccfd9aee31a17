"""Python client for the Agent Platform API v1 (`Client` and `AsyncClient`); see README.md."""
from agent_platform_sdk._async._pagination import AsyncPaginator
from agent_platform_sdk._async.client import AsyncClient
from agent_platform_sdk._async.resources.runs import AsyncRunStream
from agent_platform_sdk._retry import RetryPolicy
from agent_platform_sdk._sync._pagination import Paginator
from agent_platform_sdk._sync.client import Client
from agent_platform_sdk._sync.resources.runs import RunStream
from agent_platform_sdk._types import NOT_GIVEN
from agent_platform_sdk._version import __version__
from agent_platform_sdk.errors import (
    AgentPlatformError,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    StreamDisconnectedError,
    UnprocessableEntityError,
)

__all__ = [
    "NOT_GIVEN", "APIConnectionError", "APIStatusError", "APITimeoutError", "AgentPlatformError", "AsyncClient",
    "AsyncPaginator", "AsyncRunStream", "AuthenticationError", "BadRequestError", "Client", "ConflictError",
    "InternalServerError", "NotFoundError", "Paginator", "PayloadTooLargeError", "PermissionDeniedError",
    "RateLimitError", "RetryPolicy", "RunStream", "StreamDisconnectedError", "UnprocessableEntityError",
    "__version__",
]
