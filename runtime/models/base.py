"""The one protocol every chat model provider implements.

Adapters (`openai_compat`, `anthropic`, `local`, `scripted`) translate between these plain
dataclasses and their wire format; the agent loop and workflow nodes only see these.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any]


@dataclass
class Message:
    role: str  # "system" | "user" | "assistant" | "tool"
    content: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_call_id: str | None = None  # for role == "tool"
    name: str | None = None  # tool name, for role == "tool"

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.tool_calls:
            d["tool_calls"] = [{"id": c.id, "name": c.name, "arguments": c.arguments} for c in self.tool_calls]
        if self.tool_call_id:
            d["tool_call_id"] = self.tool_call_id
        if self.name:
            d["name"] = self.name
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Message:
        return cls(role=d["role"], content=d.get("content"),
                   tool_calls=[ToolCall(**c) for c in d.get("tool_calls") or []],
                   tool_call_id=d.get("tool_call_id"), name=d.get("name"))


@dataclass
class ToolSchema:
    """What the model is told about a tool."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass
class ModelRequest:
    model: str  # provider-specific model name (after routing)
    messages: list[Message]
    tools: list[ToolSchema] = field(default_factory=list)
    response_format: dict[str, Any] | None = None  # a JSON Schema for structured output
    temperature: float | None = None
    max_tokens: int | None = None
    timeout_s: float | None = None
    stream: bool = True
    # Caller context (run_id, turn, ...). Not sent to providers and not part of cache keys;
    # the scripted provider uses `turn` to pick its scripted answer.
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.input_tokens + other.input_tokens, self.output_tokens + other.output_tokens)


@dataclass
class ModelResponse:
    text: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    model: str = ""
    finish_reason: str = "stop"


DeltaCallback = Callable[[str], None]


class ChatModel(Protocol):
    """A provider. `complete` blocks until the answer is whole; streamed text is passed to
    `on_delta` as it arrives. Failures raise `runtime.errors.ModelError` subclasses."""

    def complete(self, request: ModelRequest, on_delta: DeltaCallback | None = None) -> ModelResponse: ...
