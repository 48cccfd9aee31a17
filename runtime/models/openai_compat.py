"""OpenAI Chat Completions adapter (the official `openai` SDK, sync client).

Works against OpenAI and every OpenAI-compatible server (`base_url`): vLLM, Ollama,
llama.cpp server, LM Studio, Azure-style gateways. Streams with
`stream_options={"include_usage": True}`, assembles tool calls from streamed deltas, asks
for structured output with `response_format={"type": "json_schema", ...}`.

The SDK's own retries are off (`max_retries=0`): retries and fallbacks belong to the router,
so every failure is raised at once as a typed `ModelError` (429 carries `retry_after`).
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

import openai

from runtime.errors import (
    ModelError,
    ModelMalformedResponse,
    ModelServerError,
    ModelTimeout,
    ModelUnavailable,
    ToolRefused,
)
from runtime.models.base import DeltaCallback, Message, ModelRequest, ModelResponse, ToolCall, ToolSchema, Usage
from runtime.models.guarded_http import guarded_client
from runtime.models.http_errors import error_for_status
from runtime.secret_scope import SecretScope, host_of
from runtime.tools.ssrf import HttpPolicy

DEFAULT_BASE_URL = "https://api.openai.com/v1"

_MALFORMED = (json.JSONDecodeError, AttributeError, TypeError, KeyError, ValueError, IndexError)


def to_openai_messages(messages: Iterable[Message]) -> list[dict[str, Any]]:
    """Our messages in Chat Completions wire format."""
    out: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "tool":
            out.append({"role": "tool", "tool_call_id": m.tool_call_id or "", "content": m.content or ""})
        elif m.role == "assistant" and m.tool_calls:
            out.append({"role": "assistant", "content": m.content or None, "tool_calls": [
                {"id": c.id, "type": "function",
                 "function": {"name": c.name, "arguments": json.dumps(c.arguments)}} for c in m.tool_calls]})
        else:
            out.append({"role": m.role, "content": m.content or ""})
    return out


def to_openai_tools(tools: Iterable[ToolSchema]) -> list[dict[str, Any]]:
    """Tool schemas as Chat Completions `function` tools."""
    return [{"type": "function", "function": {"name": t.name, "description": t.description,
                                              "parameters": t.parameters}} for t in tools]


def parse_arguments(raw: str | None, name: str) -> dict[str, Any]:
    """Decode a tool call's JSON arguments; anything but an object is malformed."""
    try:
        value = json.loads(raw) if raw else {}
    except json.JSONDecodeError as exc:
        raise ModelMalformedResponse(f"tool call {name!r} has arguments that are not JSON") from exc
    if not isinstance(value, dict):
        raise ModelMalformedResponse(f"tool call {name!r} has arguments that are not an object")
    return value


class _StreamAssembler:
    """Folds streamed chunks into one response."""

    def __init__(self, on_delta: DeltaCallback | None) -> None:
        self.on_delta = on_delta
        self.text: list[str] = []
        self.calls: dict[int, dict[str, Any]] = {}
        self.usage = Usage()
        self.finish_reason = "stop"
        self.model = ""

    def add(self, chunk: Any) -> None:
        self.model = getattr(chunk, "model", None) or self.model
        if getattr(chunk, "usage", None) is not None:
            self.usage = Usage(chunk.usage.prompt_tokens or 0, chunk.usage.completion_tokens or 0)
        for choice in chunk.choices or []:
            delta = choice.delta
            if delta is not None and delta.content:
                self.text.append(delta.content)
                if self.on_delta is not None:
                    self.on_delta(delta.content)
            for tc in (delta.tool_calls if delta is not None else None) or []:
                slot = self.calls.setdefault(tc.index or 0, {"id": "", "name": "", "arguments": []})
                slot["id"] = slot["id"] or (tc.id or "")
                if tc.function is not None:
                    slot["name"] = slot["name"] or (tc.function.name or "")
                    slot["arguments"].append(tc.function.arguments or "")
            if choice.finish_reason:
                self.finish_reason = choice.finish_reason

    def response(self) -> ModelResponse:
        calls = [ToolCall(id=s["id"] or f"call_{i}", name=s["name"],
                          arguments=parse_arguments("".join(s["arguments"]), s["name"]))
                 for i, s in sorted(self.calls.items())]
        if any(not c.name for c in calls):
            raise ModelMalformedResponse("a streamed tool call has no name")
        finish = "tool_calls" if calls else self.finish_reason
        return ModelResponse(text="".join(self.text), tool_calls=calls, usage=self.usage,
                             model=self.model, finish_reason=finish)


class OpenAICompatModel:
    """A `ChatModel` over the Chat Completions API of OpenAI or a compatible server."""

    def __init__(self, *, api_key: str | None = None, base_url: str | None = None, provider: str = "openai",
                 organization: str | None = None, default_headers: dict[str, str] | None = None,
                 timeout_s: float = 60.0, max_tokens_param: str = "max_tokens",
                 http_policy: HttpPolicy | None = None, api_key_scope: dict[str, Any] | None = None) -> None:
        """`http_policy`: every request goes through the SSRF guard under it (a base URL a project
        configured); `api_key_scope` `{secret, hosts}`: the key's secret may only go to these hosts."""
        if not api_key and base_url is None:
            raise ModelUnavailable(f"{provider}: no API key; set OPENAI_API_KEY or the project's secret, "
                                   "or use local/default")
        if api_key and api_key_scope is not None:
            host = host_of(base_url or DEFAULT_BASE_URL)
            if not SecretScope(tuple(api_key_scope.get("hosts") or ())).allows(host):
                raise ModelUnavailable(f"{provider}: secret {api_key_scope.get('secret')!r} may not be sent to "
                                       f"host {host!r} (its allowed_hosts)", reason="secret_scope")
        self.provider = provider
        self.max_tokens_param = max_tokens_param
        self.timeout_s = timeout_s
        http_client = guarded_client(http_policy, timeout=timeout_s) if http_policy is not None else None
        self.client = openai.OpenAI(api_key=api_key or "not-needed", base_url=base_url, organization=organization,
                                    default_headers=default_headers, max_retries=0, timeout=timeout_s,
                                    http_client=http_client)

    def complete(self, request: ModelRequest, on_delta: DeltaCallback | None = None) -> ModelResponse:
        """One Chat Completions call; typed errors on failure, no retries."""
        timeout = request.timeout_s or self.timeout_s
        try:
            if request.stream:
                return self._stream(request, on_delta, timeout)
            return self._once(request, on_delta, timeout)
        except ModelError:
            raise
        except ToolRefused as exc:  # the SSRF guard of a project-configured base URL
            raise ModelUnavailable(f"{self.provider}: base URL refused by the SSRF guard: {exc.message}",
                                   reason="ssrf") from None
        except openai.APITimeoutError as exc:
            raise ModelTimeout(f"{self.provider}: request timed out after {timeout}s") from exc
        except openai.APIConnectionError as exc:
            refused = _refusal(exc)
            if refused is not None:
                raise ModelUnavailable(f"{self.provider}: base URL refused by the SSRF guard: {refused.message}",
                                       reason="ssrf") from None
            raise ModelServerError(f"{self.provider}: connection failed: {exc}") from exc
        except openai.APIStatusError as exc:
            raise error_for_status(exc.status_code, _error_message(exc), exc.response.headers,
                                   self.provider) from exc
        except openai.APIResponseValidationError as exc:
            raise ModelMalformedResponse(f"{self.provider}: malformed response: {exc}") from exc
        except openai.APIError as exc:  # an error event in the middle of a stream
            raise ModelServerError(f"{self.provider}: {exc.message}") from exc
        except _MALFORMED as exc:
            raise ModelMalformedResponse(f"{self.provider}: malformed response: {exc}") from exc

    def _params(self, request: ModelRequest) -> dict[str, Any]:
        params: dict[str, Any] = {"model": request.model, "messages": to_openai_messages(request.messages)}
        if request.tools:
            params["tools"] = to_openai_tools(request.tools)
        if request.response_format is not None:
            params["response_format"] = {"type": "json_schema", "json_schema": {
                "name": "output", "schema": request.response_format, "strict": False}}
        if request.temperature is not None:
            params["temperature"] = request.temperature
        if request.max_tokens is not None:
            params[self.max_tokens_param] = request.max_tokens
        return params

    def _stream(self, request: ModelRequest, on_delta: DeltaCallback | None, timeout: float) -> ModelResponse:
        deadline = time.monotonic() + timeout
        assembler = _StreamAssembler(on_delta)
        stream = self.client.chat.completions.create(**self._params(request), stream=True,
                                                     stream_options={"include_usage": True}, timeout=timeout)
        with stream:
            for chunk in stream:
                assembler.add(chunk)
                if time.monotonic() > deadline:  # the SDK's timeout is per read, ours is per call
                    raise ModelTimeout(f"{self.provider}: stream exceeded {timeout}s")
        return assembler.response()

    def _once(self, request: ModelRequest, on_delta: DeltaCallback | None, timeout: float) -> ModelResponse:
        resp = self.client.chat.completions.create(**self._params(request), timeout=timeout)
        if not resp.choices:
            raise ModelMalformedResponse(f"{self.provider}: response has no choices")
        choice = resp.choices[0]
        msg = choice.message
        calls = [ToolCall(id=c.id, name=c.function.name, arguments=parse_arguments(c.function.arguments,
                                                                                   c.function.name))
                 for c in msg.tool_calls or []]
        text = msg.content or ""
        if text and on_delta is not None:
            on_delta(text)
        usage = Usage(resp.usage.prompt_tokens or 0, resp.usage.completion_tokens or 0) if resp.usage else Usage()
        return ModelResponse(text=text, tool_calls=calls, usage=usage, model=resp.model or request.model,
                             finish_reason="tool_calls" if calls else (choice.finish_reason or "stop"))


def _refusal(exc: BaseException) -> ToolRefused | None:
    """The SSRF refusal behind a connection error, if that is what it was."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return None
        if isinstance(seen, ToolRefused):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _error_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
    return exc.message
