"""A `POST /v1/chat/completions` body, checked and turned into what a run needs.

Accepted: `model`, `messages` (roles `system`/`developer`/`user`/`assistant`; content a string or
text parts), `stream`, `stream_options.include_usage`, `response_format` (`text`, `json_object`,
`json_schema`), `user`, `metadata`; sampling parameters (`temperature`, `max_tokens`, …) are
accepted and ignored — the agent version fixes its model settings. Client-side `tools` and
`tool` messages are refused: tools run inside the agent."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from runtime.jsonschema_validation import field_errors, schema_problems
from surfaces.openai_compat.errors import OpenAIError, invalid

MAX_BODY_BYTES = 2_000_000
_MISSING = re.compile(r"^'([^']+)' is a required property")
_CONTENT = {"anyOf": [
    {"type": "string"}, {"type": "null"},
    {"type": "array", "items": {"type": "object", "required": ["type"], "properties": {"type": {"type": "string"}}}},
]}
REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["model", "messages"],
    "properties": {
        "model": {"type": "string", "minLength": 1, "maxLength": 200},
        "messages": {"type": "array", "minItems": 1, "maxItems": 200, "items": {
            "type": "object", "required": ["role"],
            "properties": {"role": {"enum": ["system", "developer", "user", "assistant", "tool"]},
                           "content": _CONTENT, "name": {"type": "string"}}}},
        "stream": {"type": ["boolean", "null"]},
        "stream_options": {"type": ["object", "null"], "properties": {"include_usage": {"type": "boolean"}}},
        "response_format": {"type": ["object", "null"], "required": ["type"], "properties": {
            "type": {"enum": ["text", "json_object", "json_schema"]},
            "json_schema": {"type": "object", "required": ["name"], "properties": {
                "name": {"type": "string"}, "schema": {"type": "object"}, "strict": {"type": ["boolean", "null"]}}}}},
        "n": {"type": ["integer", "null"], "minimum": 1, "maximum": 1},
        "user": {"type": ["string", "null"], "maxLength": 256},
        "metadata": {"type": ["object", "null"]},
        "tools": {"type": ["array", "null"], "maxItems": 0},
    },
}


@dataclass(frozen=True)
class ChatRequest:
    model: str
    message: str  # the last user message
    history: list[dict] = field(default_factory=list)  # the earlier turns, `{role, content}`
    stream: bool = False
    include_usage: bool = False
    json_mode: bool = False  # response_format json_object or json_schema
    response_schema: dict | None = None  # response_format.json_schema.schema
    user: str = ""


def parse_body(raw: bytes, content_type: str) -> dict:
    if content_type and "json" not in content_type.split(";")[0]:
        raise OpenAIError(415, "Send the body as application/json.", code="unsupported_media_type")
    try:
        body = json.loads(raw or b"")
    except (ValueError, UnicodeDecodeError):
        raise invalid("We could not parse the JSON body of your request.", code="invalid_json") from None
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object.")
    return body


def _text(content: Any, index: int) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    texts = []
    for part, item in enumerate(content):
        if item.get("type") != "text" or not isinstance(item.get("text"), str):
            raise invalid("Only text content parts are supported.", f"messages[{index}].content[{part}]")
        texts.append(item["text"])
    return "".join(texts)


def chat_request(body: dict) -> ChatRequest:
    """The checked request, or an OpenAIError naming the first bad parameter."""
    errors = field_errors(REQUEST_SCHEMA, body)
    if errors:
        param, messages = next(iter(errors.items()))
        missing = _MISSING.match(messages[0])
        if missing and param in ("", "body"):
            param = missing[1]
        if param.startswith("tools"):
            raise invalid("Client-side tools are not supported: the agent's own tools run inside the run.", "tools")
        raise invalid(f"Invalid value for '{param}': {messages[0]}", param or None)
    turns = []
    for index, message in enumerate(body["messages"]):
        role = message["role"]
        if role == "tool" or message.get("tool_calls"):
            raise invalid("Tool messages are not supported: the agent's own tools run inside the run.",
                          f"messages[{index}].role")
        turns.append({"role": "system" if role == "developer" else role, "content": _text(message.get("content"),
                                                                                        index)})
    if turns[-1]["role"] != "user":
        raise invalid("The last message must be a user message.", f"messages[{len(turns) - 1}].role")
    response_format = body.get("response_format") or {"type": "text"}
    schema = None
    if response_format["type"] == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema")
        if schema is None:
            raise invalid("response_format.json_schema.schema is required.", "response_format.json_schema.schema")
        problems = schema_problems(schema)
        if problems:
            raise invalid(f"Not a valid JSON Schema: {problems[0]}", "response_format.json_schema.schema")
    return ChatRequest(model=body["model"], message=turns[-1]["content"], history=turns[:-1],
                       stream=bool(body.get("stream")),
                       include_usage=bool((body.get("stream_options") or {}).get("include_usage")),
                       json_mode=response_format["type"] != "text", response_schema=schema,
                       user=body.get("user") or "")
