"""Prompts and output schemas for the embedded local model (a tiny *base* model).

Gemma 3 270M is not instruction-tuned: chat templates give empty or looping answers, but a
plain "Request: … / Answer:" completion with few-shot examples works, and JSON-schema
constrained decoding keeps tool calls well-formed. So the conversation is rendered as text:

    Instructions: <system messages>
    Request: <user>            Action: {"tool": ..., "arguments": {...}}   Result: <tool output>
    Answer: <assistant text>

Modes: `text` (free answer), `action` (a JSON action: call one of the offered tools, or
answer; constrained by `action_schema`), `json` (an object constrained by the response format).
After a tool result the model is asked for an answer, not another call: a model this small
loops on tools otherwise.
"""
from __future__ import annotations

import json
import re
from typing import Any, Literal

from runtime.errors import ModelMalformedResponse
from runtime.jsonschema_validation import error_messages
from runtime.models.base import Message, ToolCall, ToolSchema

Mode = Literal["text", "action", "json"]

STOP = ["\n\n", "\nRequest:", "\nResult:"]

_ACTION_EXAMPLES = (
    "Each request is answered with one JSON action. Use a tool when one fits the request; otherwise answer.\n"
    "Example tools:\n- get_weather: current weather for a city. Arguments: {\"city\": string}\n\n"
    "Request: Hi there!\nAction: {\"answer\": \"Hello! How can I help?\"}\n\n"
    "Request: Is it sunny in Madrid today?\n"
    "Action: {\"tool\": \"get_weather\", \"arguments\": {\"city\": \"Madrid\"}}\n"
    "Result: {\"sky\": \"sunny\", \"temp_c\": 24}\nAnswer: Yes, it is sunny in Madrid (24 °C).\n\n"
    "Request: What's the weather in Rome?\n"
    "Action: {\"tool\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}\n\n"
)
# The constrained action has chosen to answer (`{"answer": ...`): the answer itself is then written
# as free text (fast, streamed, stop sequences apply) instead of inside a JSON string.
_ANSWER_CHOSEN = re.compile(r'\s*\{\s*"answer"\s*:')


def answer_chosen(action_so_far: str) -> bool:
    """Whether a partly generated action already reads `{"answer": ...` (not a tool call)."""
    return _ANSWER_CHOSEN.match(action_so_far) is not None


def offered_call(text: str, tools: list[ToolSchema]) -> dict[str, Any] | None:
    """The action in `text` if it is a well-formed call of an offered tool with valid arguments
    (what constrained decoding would guarantee), else None."""
    try:
        action = json.loads(text)
    except json.JSONDecodeError:
        return None
    if not isinstance(action, dict) or not isinstance(action.get("arguments"), dict):
        return None
    tool = next((t for t in tools if t.name == action.get("tool")), None)
    if tool is None or error_messages(tool.parameters, action["arguments"]):
        return None
    return action


_TEXT_EXAMPLES = ("Request: What is the capital of Italy?\nAnswer: The capital of Italy is Rome.\n\n")


def describe_arguments(schema: dict[str, Any]) -> str:
    """A compact one-line rendering of a tool's parameters, e.g. `{"city": string, "days"?: integer}`."""
    props = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    parts = [f"\"{name}\"{'' if name in required else '?'}: {spec.get('type', 'any') if isinstance(spec, dict) else 'any'}"
             for name, spec in props.items()]
    return "{" + ", ".join(parts) + "}"


def action_schema(tools: list[ToolSchema], answer_schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """JSON Schema of one action: `{"tool": <name>, "arguments": {...}}` for each tool, or
    `{"answer": <text or the response format's object>}`."""
    options: list[dict[str, Any]] = [
        {"type": "object", "properties": {"tool": {"const": t.name}, "arguments": _grammar_safe(t.parameters)},
         "required": ["tool", "arguments"]} for t in tools]
    options.append({"type": "object", "properties": {"answer": answer_schema or {"type": "string"}},
                    "required": ["answer"]})
    return {"anyOf": options}


def _grammar_safe(schema: dict[str, Any]) -> dict[str, Any]:
    """Drop keywords the grammar converter does not need (descriptions, formats, defaults)."""
    if not isinstance(schema, dict):
        return {}
    drop = {"description", "title", "examples", "default", "format", "$schema"}
    out = {k: v for k, v in schema.items() if k not in drop}
    if isinstance(out.get("properties"), dict):
        out["properties"] = {k: _grammar_safe(v) for k, v in out["properties"].items()}
    if isinstance(out.get("items"), dict):
        out["items"] = _grammar_safe(out["items"])
    return out or {"type": "object"}


# Which output the model is asked for: see the module docstring.
def choose_mode(messages: list[Message], tools: list[ToolSchema], response_format: dict | None) -> Mode:
    after_tool_result = bool(messages) and messages[-1].role == "tool"
    if tools and not after_tool_result:
        return "action"
    return "json" if response_format is not None else "text"


def _render_turn(m: Message) -> str:
    if m.role == "user":
        return f"Request: {m.content or ''}"
    if m.role == "tool":
        return f"Result: {m.content or ''}"
    lines = [f"Action: {json.dumps({'tool': c.name, 'arguments': c.arguments})}" for c in m.tool_calls]
    if m.content:
        lines.append(f"Answer: {m.content}")
    return "\n".join(lines)


def build_prompt(messages: list[Message], tools: list[ToolSchema], response_format: dict | None, mode: Mode) -> str:
    """The completion prompt for this conversation and mode (ends where the model writes)."""
    head: list[str] = []
    system = "\n".join(m.content or "" for m in messages if m.role == "system").strip()
    if system:
        head.append(f"Instructions: {system}\n")
    if tools:
        head.append(_ACTION_EXAMPLES + "Tools:\n" + "\n".join(
            f"- {t.name}: {t.description.strip().rstrip('.')}. Arguments: {describe_arguments(t.parameters)}"
            for t in tools) + "\n")
    else:
        head.append(_TEXT_EXAMPLES)
    if response_format is not None and mode != "action":
        head.append("The answer is one JSON object that matches this JSON Schema: "
                    + json.dumps(response_format) + "\n")
    turns: list[str] = []
    block: list[str] = []
    for m in messages:
        if m.role == "system":
            continue
        if m.role == "user" and block:
            turns.append("\n".join(block))
            block = []
        block.append(_render_turn(m))
    turns.append("\n".join(block + ["Action:" if mode == "action" else "Answer:"]))
    return "\n".join(head) + "\n" + "\n\n".join(turns)


def parse_action(text: str, call_index: int = 0) -> tuple[str, list[ToolCall]]:
    """(answer text, tool calls) from a constrained JSON action."""
    try:
        action = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelMalformedResponse(f"local: the model's action is not JSON: {text[:200]!r}") from exc
    if not isinstance(action, dict):
        raise ModelMalformedResponse("local: the model's action is not an object")
    if "tool" in action:
        return "", [ToolCall(id=f"call_{call_index}", name=str(action["tool"]), arguments=action.get("arguments") or {})]
    answer = action.get("answer", "")
    return (answer if isinstance(answer, str) else json.dumps(answer)), []
