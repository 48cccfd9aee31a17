"""The OpenTelemetry GenAI semantic conventions for the platform's spans: names, kinds and attributes.

Targets the latest experimental GenAI conventions (what `OTEL_SEMCONV_STABILITY_OPT_IN=
gen_ai_latest_experimental` selects in the OTel instrumentations; semantic-conventions 1.41): one
`invoke_agent {agent}` or `invoke_workflow {workflow}` span per execution of a run, `chat {model}`
per model attempt, `execute_tool {tool}`, `retrieval {knowledge base}`, and one span per workflow
node. Every span also carries the run's `agent_platform.*` attributes (project, agent or workflow,
version, environment, run).

Pure functions over data the run store has already redacted. Message content (`gen_ai.input.messages`,
`gen_ai.output.messages`, tool arguments and results, retrieval query and documents) is added only
when the caller captures content (`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`), in the
conventions' JSON shapes (`gen-ai-input-messages.json`, `gen-ai-output-messages.json`). The agent's
instructions are the first message of the conversation it sends (role `system`), so they are in
`gen_ai.input.messages` (the conventions' rule for instructions that are part of the chat history),
not in `gen_ai.system_instructions`.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.trace import SpanKind

from runs.event_log import PendingSpan

Attributes = dict[str, Any]
MAX_CONTENT_CHARS = 16_384  # one captured content attribute; longer values are cut
TOOL_TYPE = "function"  # the platform executes every tool itself, from the model's arguments

# Events of a span whose data is message content (captured only when opted in).
CONTENT_EVENTS = frozenset({"model.completed", "tool.started", "tool.completed"})
# Not an event: the conversation a model call was sent, kept with its span's content events.
MODEL_INPUT = "model.input"
# The agent loop's checkpoint deltas that add messages to its conversation (runtime/agent/state.py).
CONVERSATION_DELTAS = frozenset({"start", "model", "tools", "repair", "final"})


@dataclass(frozen=True)
class RunInfo:
    """What every exported span of one run carries, and what its `invoke_*` span is named after."""

    kind: str  # agent | workflow
    name: str
    id: str
    version: int | None
    model_ref: str = ""  # an agent's primary model ref
    attributes: Attributes = field(default_factory=dict)  # agent_platform.*


@dataclass(frozen=True)
class SpanShape:
    name: str
    kind: SpanKind
    attributes: Attributes
    error_type: str | None = None  # set: the span ended in error (`error.type`, status ERROR)
    error_message: str = ""


def run_info(run: Mapping[str, Any]) -> RunInfo:
    """The `agent_platform.*` attributes and invoke-span naming of a run, from its row joined with its
    definition and version (`runs.otel_export.RUN_INFO_SQL`)."""
    kind = run["kind"]
    attributes: Attributes = {"agent_platform.run.id": run["id"], "agent_platform.run.kind": kind,
                              "agent_platform.project.id": run["project_id"]}
    if run["environment"]:
        attributes["agent_platform.environment"] = run["environment"]
    definition_id, name, number = run["definition_id"] or "", run["name"] or "", run["version"]
    attributes[f"agent_platform.{kind}.id"] = definition_id
    attributes[f"agent_platform.{kind}.name"] = name
    if number is not None:
        attributes[f"agent_platform.{kind}.version"] = number
    return RunInfo(kind=kind, name=name, id=definition_id, version=number, model_ref=run["model_ref"] or "",
                   attributes=attributes)


def split_model_ref(ref: str) -> tuple[str, str]:
    """`openai/gpt-4o` → (`openai`, `gpt-4o`): `gen_ai.provider.name` and `gen_ai.request.model`."""
    provider, _, model = ref.partition("/")
    return (provider, model) if model else ("_OTHER", ref)


def invoke_span(info: RunInfo, *, status: str, data: Mapping[str, Any], capture_content: bool,
                exception: BaseException | None = None, input_messages: Sequence[Mapping[str, Any]] = ()) -> SpanShape:
    """The span of one execution of a run: `invoke_agent {agent}` or `invoke_workflow {workflow}`.
    `status` is where the execution left the run, `data` its (redacted) terminal event data,
    `input_messages` the conversation the agent started from (conventions' shape; captured content)."""
    attributes: Attributes = {**info.attributes, "agent_platform.run.status": status}
    if info.kind == "agent":
        name = f"invoke_agent {info.name}"
        attributes.update({"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": info.name,
                           "gen_ai.agent.id": info.id})
        if info.version is not None:
            attributes["gen_ai.agent.version"] = str(info.version)
        if info.model_ref:
            provider, model = split_model_ref(info.model_ref)
            attributes.update({"gen_ai.provider.name": provider, "gen_ai.request.model": model})
    else:
        name = f"invoke_workflow {info.name}"
        attributes.update({"gen_ai.operation.name": "invoke_workflow", "gen_ai.workflow.name": info.name})
    usage = data.get("usage") or {}
    if isinstance(usage, Mapping):
        _set_usage(attributes, usage.get("input_tokens"), usage.get("output_tokens"))
        if usage.get("cost_usd") is not None:
            attributes["agent_platform.cost_usd"] = float(usage["cost_usd"])
    if capture_content and input_messages:
        attributes["gen_ai.input.messages"] = messages_json(input_messages)
    if capture_content and "output" in data:
        attributes["gen_ai.output.messages"] = _json([_assistant_message(data["output"], "stop")])
    error = data.get("error") if isinstance(data.get("error"), Mapping) else None
    if exception is not None:
        return SpanShape(name, SpanKind.INTERNAL, attributes, type(exception).__name__, str(exception)[:500])
    if status in ("failed", "timed_out") and error:
        return SpanShape(name, SpanKind.INTERNAL, attributes, str(error.get("type") or "_OTHER"),
                         str(error.get("message") or ""))
    return SpanShape(name, SpanKind.INTERNAL, attributes)


def platform_span(span: PendingSpan, info: RunInfo, *, content: Mapping[str, Mapping[str, Any]] | None) -> SpanShape:
    """A stored platform span (`model`, `tool`, `retrieval`, `node`) as an OTel GenAI span.
    `content`: the span's content events by type, when capturing content (else None)."""
    shape = _SHAPES.get(span.kind, _node_span)(span, content)
    attributes = {**info.attributes, **shape.attributes}
    if span.status == "error":
        error = span.error or {}
        return SpanShape(shape.name, shape.kind, attributes, str(error.get("type") or "_OTHER"),
                         str(error.get("message") or ""))
    return SpanShape(shape.name, shape.kind, attributes)


def _chat_span(span: PendingSpan, content) -> SpanShape:
    provider, model = split_model_ref(span.name)
    attrs = span.attributes
    attributes: Attributes = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": provider,
                              "gen_ai.request.model": model, "agent_platform.cost_usd": float(span.cost_usd)}
    if attrs.get("response_model"):
        attributes["gen_ai.response.model"] = str(attrs["response_model"])
    if attrs.get("finish_reason"):
        attributes["gen_ai.response.finish_reasons"] = [str(attrs["finish_reason"])]
    for key in ("attempt", "turn"):
        if isinstance(attrs.get(key), int):
            attributes[f"agent_platform.model.{key}"] = attrs[key]
    if attrs.get("cached"):
        attributes["agent_platform.model.cached"] = True
    _set_usage(attributes, span.input_tokens, span.output_tokens)
    sent = (content or {}).get(MODEL_INPUT)
    if sent is not None and sent.get("messages"):
        attributes["gen_ai.input.messages"] = messages_json(sent["messages"])
    completed = (content or {}).get("model.completed")
    if completed is not None:
        message = _assistant_message(completed.get("text", ""), completed.get("finish_reason") or "stop",
                                     completed.get("tool_calls") or [])
        attributes["gen_ai.output.messages"] = _json([message])
    return SpanShape(f"chat {model}", SpanKind.CLIENT, attributes)


def _tool_span(span: PendingSpan, content) -> SpanShape:
    attributes: Attributes = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": span.name,
                              "gen_ai.tool.type": TOOL_TYPE}
    if span.attributes.get("call_id"):
        attributes["gen_ai.tool.call.id"] = str(span.attributes["call_id"])
    if span.attributes.get("cached"):
        attributes["agent_platform.tool.cached"] = True
    if content is not None:
        started, completed = content.get("tool.started"), content.get("tool.completed")
        if started is not None and "input" in started:
            attributes["gen_ai.tool.call.arguments"] = _json(started["input"])
        if completed is not None:
            result = completed["output"] if "output" in completed else {"error": completed.get("error")}
            attributes["gen_ai.tool.call.result"] = _json(result)
    return SpanShape(f"execute_tool {span.name}", SpanKind.INTERNAL, attributes)


def _retrieval_span(span: PendingSpan, content) -> SpanShape:
    attrs = span.attributes
    source = str(attrs.get("knowledge_base") or span.name.removeprefix("retrieval "))
    attributes: Attributes = {"gen_ai.operation.name": "retrieval", "gen_ai.data_source.id": source}
    if isinstance(attrs.get("top_k"), int):
        attributes["gen_ai.request.top_k"] = attrs["top_k"]
    if isinstance(attrs.get("hit_count"), int):
        attributes["agent_platform.retrieval.hit_count"] = attrs["hit_count"]
    if content is not None:  # capturing content: the query and the documents found
        if attrs.get("query"):
            attributes["gen_ai.retrieval.query.text"] = _cut(str(attrs["query"]))
        hits = attrs.get("hits")
        if isinstance(hits, Sequence):
            attributes["gen_ai.retrieval.documents"] = _json(
                [{"id": h.get("chunk_id"), "score": h.get("score")} for h in hits if isinstance(h, Mapping)])
    return SpanShape(f"retrieval {source}", SpanKind.CLIENT, attributes)


def _node_span(span: PendingSpan, content) -> SpanShape:
    node_type = str(span.attributes.get("type") or span.kind)
    attributes: Attributes = {"agent_platform.node.id": span.name, "agent_platform.node.type": node_type}
    if span.status == "waiting":
        attributes["agent_platform.node.status"] = "waiting"
    return SpanShape(f"{node_type} {span.name}", SpanKind.INTERNAL, attributes)


_SHAPES = {"model": _chat_span, "tool": _tool_span, "retrieval": _retrieval_span, "node": _node_span}


def _set_usage(attributes: Attributes, input_tokens: Any, output_tokens: Any) -> None:
    if isinstance(input_tokens, int):
        attributes["gen_ai.usage.input_tokens"] = input_tokens
    if isinstance(output_tokens, int):
        attributes["gen_ai.usage.output_tokens"] = output_tokens


def _assistant_message(output: Any, finish_reason: str, tool_calls: Sequence[Mapping[str, Any]] = ()) -> dict:
    """One message in the conventions' JSON shape: `{role, parts: [{type, ...}], finish_reason}`."""
    text = output.get("text") if isinstance(output, Mapping) and set(output) == {"text"} else output
    parts: list[dict[str, Any]] = []
    if text not in ("", None):
        parts.append({"type": "text", "content": _cut(text if isinstance(text, str) else _json(text))})
    parts += [{"type": "tool_call", "id": call.get("id"), "name": call.get("name"),
               "arguments": call.get("arguments")} for call in tool_calls]
    return {"role": "assistant", "parts": parts, "finish_reason": finish_reason}


def conversation_messages(delta: Any) -> list[dict[str, Any]]:
    """The messages an agent-loop checkpoint delta adds to its conversation, in the conventions'
    input-message shape (`{role, parts}`); [] for any other checkpoint (a workflow's state, ...)."""
    if not isinstance(delta, Mapping) or delta.get("kind") not in CONVERSATION_DELTAS:
        return []
    messages = delta.get("messages")
    if not isinstance(messages, list):
        return []
    return [chat_message(m) for m in messages if isinstance(m, Mapping) and isinstance(m.get("role"), str)]


def chat_message(message: Mapping[str, Any]) -> dict[str, Any]:
    """A platform message (`runtime.models.base.Message.to_dict()`) as a conventions chat message:
    text as a `text` part, tool calls as `tool_call` parts, a tool's answer as `tool_call_response`."""
    role, content = message["role"], message.get("content")
    if role == "tool":
        return {"role": "tool", "parts": [{"type": "tool_call_response", "id": message.get("tool_call_id"),
                                           "response": content}]}
    parts: list[dict[str, Any]] = []
    if content not in ("", None):
        parts.append({"type": "text", "content": content if isinstance(content, str) else _json(content)})
    parts += [{"type": "tool_call", "id": call.get("id"), "name": call.get("name"), "arguments": call.get("arguments")}
              for call in message.get("tool_calls") or () if isinstance(call, Mapping)]
    return {"role": role, "parts": parts}


def messages_json(messages: Sequence[Mapping[str, Any]]) -> str:
    """Input messages as one JSON attribute of at most MAX_CONTENT_CHARS: a long conversation loses
    its oldest messages after the system message (still valid JSON), one huge message is cut."""
    kept = list(messages)
    text = _json_whole(kept)
    while len(text) > MAX_CONTENT_CHARS and len(kept) > 1:
        del kept[1 if kept[0].get("role") == "system" and len(kept) > 2 else 0]
        text = _json_whole(kept)
    return _cut(text)


def _json_whole(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _json(value: Any) -> str:
    return _cut(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str))


def _cut(text: str) -> str:
    return text if len(text) <= MAX_CONTENT_CHARS else text[:MAX_CONTENT_CHARS] + "…"
