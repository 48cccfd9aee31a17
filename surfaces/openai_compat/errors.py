"""OpenAI's error shape: `{"error": {"message", "type", "param", "code"}}` with OpenAI's status codes."""
from __future__ import annotations

import json

TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
         404: "invalid_request_error", 405: "invalid_request_error", 409: "invalid_request_error",
         413: "invalid_request_error", 415: "invalid_request_error", 422: "invalid_request_error",
         429: "rate_limit_error"}


class OpenAIError(Exception):
    """A refused or failed completion, answered in OpenAI's shape."""

    def __init__(self, status: int, message: str, *, param: str | None = None, code: str | None = None,
                 type: str | None = None, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.param, self.code = status, message, param, code
        self.type = type or TYPES.get(status, "api_error")
        self.retry_after = retry_after

    def body(self) -> dict:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}

    def encoded(self) -> bytes:
        return json.dumps(self.body()).encode()


def invalid(message: str, param: str | None = None, code: str | None = "invalid_request") -> OpenAIError:
    return OpenAIError(400, message, param=param, code=code)


UNAUTHORIZED = OpenAIError(401, "Incorrect API key provided: send 'Authorization: Bearer <platform API key>'.",
                           code="invalid_api_key")
