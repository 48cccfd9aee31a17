# Generated from the _async/ twin by scripts/unasync.py: edit that file, not this one.
"""`client.tools`: custom tools (and the read-only built-ins), their versions, and one-off invokes."""
from __future__ import annotations

from typing import Any, Dict, List

from agent_platform_sdk._sync._pagination import Paginator
from agent_platform_sdk._sync.resources._resource import Resource, segment
from agent_platform_sdk._types import NOT_GIVEN, NotGiven, TimeoutTypes, query_params, strip_not_given
from agent_platform_sdk.models import Tool, ToolCreate, ToolInvocation, ToolInvoke, ToolUpdate, ToolVersion

Timeout = TimeoutTypes | NotGiven


class Tools(Resource):
    def create(self, *, name: str, body: Any = NOT_GIVEN, kind: str | NotGiven = NOT_GIVEN,
                     description: str | NotGiven = NOT_GIVEN, idempotency_key: str | None = None,
                     timeout: Timeout = NOT_GIVEN) -> Tool:
        """A custom tool; `body` is its first version (for `kind="http"`: method, url, input_schema, ...)."""
        payload = ToolCreate(**strip_not_given({"name": name, "body": body, "kind": kind,
                                                "description": description})).payload()
        return self._client.send_model("POST", "/tools", Tool, json=payload, create=True,
                                             idempotency_key=idempotency_key, timeout=timeout)

    def get(self, tool_id: str, *, timeout: Timeout = NOT_GIVEN) -> Tool:
        return self._client.get_model(f"/tools/{segment(tool_id)}", Tool, timeout=timeout)

    def list(self, *, kind: str | None = None, limit: int | None = None,
             timeout: Timeout = NOT_GIVEN) -> Paginator[Tool]:
        return Paginator(self._client, "/tools", Tool, query_params({"kind": kind, "limit": limit}),
                              timeout=timeout)

    def update(self, tool_id: str, *, name: str | NotGiven = NOT_GIVEN,
                     description: str | NotGiven = NOT_GIVEN, timeout: Timeout = NOT_GIVEN) -> Tool:
        payload = ToolUpdate(**strip_not_given({"name": name, "description": description})).payload()
        return self._client.send_model("PATCH", f"/tools/{segment(tool_id)}", Tool, json=payload,
                                             timeout=timeout)

    def delete(self, tool_id: str, *, timeout: Timeout = NOT_GIVEN) -> None:
        self._client.request("DELETE", f"/tools/{segment(tool_id)}", timeout=timeout)

    def create_version(self, tool_id: str, *, body: Dict[str, Any], idempotency_key: str | None = None,
                             timeout: Timeout = NOT_GIVEN) -> ToolVersion:
        """A new immutable version of an HTTP tool (`body`: method, url, input_schema, timeout_s, ...)."""
        return self._client.send_model("POST", f"/tools/{segment(tool_id)}/versions", ToolVersion, json=body,
                                             create=True, idempotency_key=idempotency_key, timeout=timeout)

    def get_version(self, tool_id: str, number: int, *, timeout: Timeout = NOT_GIVEN) -> ToolVersion:
        return self._client.get_model(f"/tools/{segment(tool_id)}/versions/{number}", ToolVersion,
                                            timeout=timeout)

    def list_versions(self, tool_id: str, *, timeout: Timeout = NOT_GIVEN) -> Paginator[ToolVersion]:
        return Paginator(self._client, f"/tools/{segment(tool_id)}/versions", ToolVersion, {}, timeout=timeout)

    def invoke(self, tool: str, *, input: Any, config: Dict[str, Any] | NotGiven = NOT_GIVEN,
                     approve: bool | NotGiven = NOT_GIVEN, timeout: Timeout = NOT_GIVEN) -> ToolInvocation:
        """Run one call of a tool (id, or a built-in's name: http, kv, code, retrieval) outside a run."""
        payload = ToolInvoke(**strip_not_given({"input": input, "config": config, "approve": approve})).payload()
        return self._client.send_model("POST", f"/tools/{segment(tool)}/invoke", ToolInvocation,
                                             json=payload, timeout=timeout)

    def import_openapi(self, *, document: Any, base_url: str | NotGiven = NOT_GIVEN,
                             operations: List[str] | NotGiven = NOT_GIVEN,
                             headers: Dict[str, str] | NotGiven = NOT_GIVEN,
                             prefix: str | NotGiven = NOT_GIVEN, idempotency_key: str | None = None,
                             timeout: Timeout = NOT_GIVEN) -> List[Tool]:
        """One tool per operation of an OpenAPI document."""
        payload = strip_not_given({"document": document, "base_url": base_url, "operations": operations,
                                   "headers": headers, "prefix": prefix})
        response = self._client.request("POST", "/tools/import-openapi", json=payload, create=True,
                                              idempotency_key=idempotency_key, timeout=timeout)
        return [Tool.model_validate(item) for item in response.json()["data"]]
