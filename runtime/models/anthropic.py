"""Anthropic Messages API adapter over `httpx` (streaming server-sent events).

The second real wire format behind `ChatModel`: system prompt as a top-level field, content
blocks, `tool_use` / `tool_result` blocks, and `message_start` / `content_block_delta` /
`message_delta` stream events. Structured output is asked for in the system prompt (the
agent loop validates the answer against the schema either way). Errors map like the OpenAI
adapter's (see `http_errors`); no retries here.
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

import httpx
import httpx_sse

from runtime.errors import (
    ModelAuthError,
    ModelBadRequest,
    ModelError,
    ModelMalformedResponse,
    ModelRateLimited,
    ModelServerError,
    ModelTimeout,
    ModelUnavailable,
)
from runtime.models.base import DeltaCallback, Message, ModelRequest, ModelResponse, ToolCall, Usage
from runtime.models.http_errors import error_for_status
from runtime.models.openai_compat import parse_arguments

_STOP_REASONS = {"end_turn": "stop", "stop_sequence": "stop", "tool_use": "tool_calls", "max_tokens": "length"}
_STREAM_ERRORS: dict[str, type[ModelError]] = {
    "rate_limit_error": ModelRateLimited, "overloaded_error": ModelServerError, "api_error": ModelServerError,
    "invalid_request_error": ModelBadRequest, "authentication_error": ModelAuthError,
    "permission_error": ModelAuthError,
}


def _blocks(message: Message) -> list[dict[str, Any]]:
    if message.role == "tool":
        return [{"type": "tool_result", "tool_use_id": message.tool_call_id or "", "content": message.content or ""}]
    blocks: list[dict[str, Any]] = [{"type": "text", "text": message.content}] if message.content else []
    blocks += [{"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments} for c in message.tool_calls]
    return blocks


def to_anthropic(messages: Iterable[Message], response_format: dict | None) -> tuple[str, list[dict[str, Any]]]:
    """(system prompt, messages) in Messages API format; consecutive same-role turns merge."""
    system: list[str] = []
    out: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "system":
            system.append(m.content or "")
            continue
        role = "assistant" if m.role == "assistant" else "user"
        blocks = _blocks(m)
        if out and out[-1]["role"] == role:
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": role, "content": blocks})
    if response_format is not None:
        system.append("Respond with only a JSON object (no prose, no code fence) that validates against this "
                      "JSON Schema:\n" + json.dumps(response_format))
    return "\n\n".join(s for s in system if s), out


class _EventAssembler:
    def __init__(self, on_delta: DeltaCallback | None) -> None:
        self.on_delta = on_delta
        self.text: list[str] = []
        self.blocks: dict[int, dict[str, Any]] = {}
        self.usage = Usage()
        self.stop_reason = "end_turn"
        self.model = ""

    def add(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "message_start":
            msg = event["message"]
            self.model = msg.get("model", "")
            self.usage = Usage(msg.get("usage", {}).get("input_tokens", 0), msg.get("usage", {}).get("output_tokens", 0))
        elif kind == "content_block_start":
            block = event["content_block"]
            self.blocks[event["index"]] = {"type": block["type"], "id": block.get("id", ""),
                                           "name": block.get("name", ""), "json": []}
        elif kind == "content_block_delta":
            self._delta(event["index"], event["delta"])
        elif kind == "message_delta":
            self.stop_reason = event.get("delta", {}).get("stop_reason") or self.stop_reason
            out_tokens = event.get("usage", {}).get("output_tokens")
            if out_tokens is not None:
                self.usage = Usage(self.usage.input_tokens, out_tokens)
        elif kind == "error":
            err = event.get("error", {})
            cls = _STREAM_ERRORS.get(err.get("type", ""), ModelServerError)
            raise cls(f"anthropic: {err.get('type')}: {err.get('message', '')}")

    def _delta(self, index: int, delta: dict[str, Any]) -> None:
        if delta.get("type") == "text_delta":
            self.text.append(delta["text"])
            if self.on_delta is not None:
                self.on_delta(delta["text"])
        elif delta.get("type") == "input_json_delta":
            self.blocks[index]["json"].append(delta.get("partial_json", ""))

    def response(self) -> ModelResponse:
        calls = [ToolCall(id=b["id"], name=b["name"], arguments=parse_arguments("".join(b["json"]), b["name"]))
                 for _, b in sorted(self.blocks.items()) if b["type"] == "tool_use"]
        return ModelResponse(text="".join(self.text), tool_calls=calls, usage=self.usage, model=self.model,
                             finish_reason=_STOP_REASONS.get(self.stop_reason, self.stop_reason))


class AnthropicModel:
    """A `ChatModel` over Anthropic's Messages API."""

    def __init__(self, *, api_key: str | None = None, base_url: str | None = None, version: str = "2023-06-01",
                 timeout_s: float = 60.0, default_max_tokens: int = 1024, provider: str = "anthropic") -> None:
        if not api_key:
            raise ModelUnavailable(f"{provider}: no API key; set the project's anthropic secret or use local/default")
        self.provider = provider
        self.url = (base_url or "https://api.anthropic.com").rstrip("/") + "/v1/messages"
        self.default_max_tokens = default_max_tokens
        self.timeout_s = timeout_s
        self.client = httpx.Client(headers={"x-api-key": api_key, "anthropic-version": version,
                                            "content-type": "application/json"})

    def _body(self, request: ModelRequest) -> dict[str, Any]:
        system, messages = to_anthropic(request.messages, request.response_format)
        body: dict[str, Any] = {"model": request.model, "messages": messages,
                                "max_tokens": request.max_tokens or self.default_max_tokens,
                                "stream": request.stream}
        if system:
            body["system"] = system
        if request.tools:
            body["tools"] = [{"name": t.name, "description": t.description, "input_schema": t.parameters}
                             for t in request.tools]
        if request.temperature is not None:
            body["temperature"] = request.temperature
        return body

    def complete(self, request: ModelRequest, on_delta: DeltaCallback | None = None) -> ModelResponse:
        """One Messages API call; typed errors on failure, no retries."""
        timeout = request.timeout_s or self.timeout_s
        try:
            if request.stream:
                return self._stream(request, on_delta, timeout)
            return self._once(request, on_delta, timeout)
        except ModelError:
            raise
        except httpx.TimeoutException as exc:
            raise ModelTimeout(f"{self.provider}: request timed out after {timeout}s") from exc
        except httpx.TransportError as exc:
            raise ModelServerError(f"{self.provider}: connection failed: {exc}") from exc
        except (httpx_sse.SSEError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise ModelMalformedResponse(f"{self.provider}: malformed response: {exc}") from exc

    def _stream(self, request: ModelRequest, on_delta: DeltaCallback | None, timeout: float) -> ModelResponse:
        deadline = time.monotonic() + timeout
        assembler = _EventAssembler(on_delta)
        with httpx_sse.connect_sse(self.client, "POST", self.url, json=self._body(request),
                                   timeout=timeout) as source:
            self._raise_for_status(source.response)
            for sse in source.iter_sse():
                if sse.data:
                    assembler.add(json.loads(sse.data))
                if time.monotonic() > deadline:
                    raise ModelTimeout(f"{self.provider}: stream exceeded {timeout}s")
        return assembler.response()

    def _once(self, request: ModelRequest, on_delta: DeltaCallback | None, timeout: float) -> ModelResponse:
        resp = self.client.post(self.url, json=self._body(request), timeout=timeout)
        self._raise_for_status(resp)
        data = resp.json()
        assembler = _EventAssembler(on_delta)
        assembler.add({"type": "message_start", "message": data})
        for i, block in enumerate(data["content"]):
            assembler.add({"type": "content_block_start", "index": i, "content_block": block})
            if block["type"] == "text":
                assembler.add({"type": "content_block_delta", "index": i,
                               "delta": {"type": "text_delta", "text": block["text"]}})
            elif block["type"] == "tool_use":
                assembler.blocks[i]["json"].append(json.dumps(block.get("input", {})))
        assembler.stop_reason = data.get("stop_reason") or "end_turn"
        return assembler.response()

    def _raise_for_status(self, resp: httpx.Response) -> None:
        if resp.status_code < 400:
            return
        resp.read()
        try:
            message = resp.json().get("error", {}).get("message", "")
        except (json.JSONDecodeError, AttributeError):
            message = resp.text[:200]
        raise error_for_status(resp.status_code, message, resp.headers, self.provider)
