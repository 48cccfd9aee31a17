"""OpenAI response objects built from a run: `chat.completion`, `chat.completion.chunk`, usage,
and the run's outcome (content, or the OpenAIError a failed run or a response_format mismatch is)."""
from __future__ import annotations

import json
import time
from typing import Any

from runs.models import Run
from runtime.jsonschema_validation import field_errors
from surfaces.openai_compat.chat_request import ChatRequest
from surfaces.openai_compat.errors import OpenAIError

# A failed run's error type → (status, OpenAI code). Anything else is the agent failing: 502.
_RUN_ERRORS = {"model_rate_limited": (429, "rate_limit_exceeded"), "rate_limited": (429, "rate_limit_exceeded"),
               "budget_exceeded": (429, "insufficient_quota"), "timed_out": (504, "timeout"),
               "timeout": (504, "timeout"), "cancelled": (409, "run_cancelled"),
               "input_invalid": (400, "invalid_input"), "guardrail_blocked": (400, "content_filter")}


def completion_id(run_id: str) -> str:
    return f"chatcmpl-{run_id}"


def usage(run: Run) -> dict:
    prompt = int(run.usage.get("input_tokens") or 0)
    completion = int(run.usage.get("output_tokens") or 0)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def content_of(output: Any) -> str:
    """`{"text": ...}` is the text; a structured output (output schema, workflows) is its JSON."""
    if isinstance(output, dict) and set(output) == {"text"} and isinstance(output["text"], str):
        return output["text"]
    return json.dumps(output, ensure_ascii=False)


def outcome(run: Run, request: ChatRequest) -> str:
    """The answer's content, or raises the OpenAIError the run's end is."""
    if run.status != "succeeded":
        error = run.error or {}
        kind = str(error.get("type") or error.get("code") or run.status)
        status, code = _RUN_ERRORS.get(kind) or _RUN_ERRORS.get(run.status) or (502, kind)
        raise OpenAIError(status, f"The run {run.pk} {run.status}: {error.get('message') or kind}", code=code)
    content = content_of(run.output)
    if request.json_mode:
        _check_json(content, request.response_schema)
    return content


def _check_json(content: str, schema: dict | None) -> None:
    try:
        value = json.loads(content)
    except ValueError:
        raise OpenAIError(422, "The agent's answer is not JSON, as response_format asks: use an agent version "
                               "that declares an output schema.", param="response_format",
                          code="output_not_json") from None
    if schema is None:
        if not isinstance(value, dict):
            raise OpenAIError(422, "The agent's answer is not a JSON object.", param="response_format",
                              code="output_not_json")
        return
    errors = field_errors(schema, value, prefix="output")
    if errors:
        field, messages = next(iter(errors.items()))
        raise OpenAIError(422, f"The agent's answer does not match response_format.json_schema: {field}: "
                               f"{messages[0]}", param="response_format", code="output_schema_mismatch")


def completion(run: Run, request: ChatRequest, content: str, fingerprint: str) -> dict:
    return {"id": completion_id(run.pk), "object": "chat.completion", "created": int(run.created_at.timestamp()),
            "model": request.model, "system_fingerprint": fingerprint,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": None},
                         "logprobs": None, "finish_reason": "stop"}],
            "usage": usage(run)}


def chunk(run_id: str, request: ChatRequest, fingerprint: str, *, delta: dict | None = None,
          finish_reason: str | None = None, usage_of: Run | None = None) -> dict:
    body: dict[str, Any] = {"id": completion_id(run_id), "object": "chat.completion.chunk",
                            "created": int(time.time()), "model": request.model, "system_fingerprint": fingerprint}
    if usage_of is not None:
        body["choices"], body["usage"] = [], usage(usage_of)
    else:
        body["choices"] = [{"index": 0, "delta": delta or {}, "logprobs": None, "finish_reason": finish_reason}]
        if request.include_usage:
            body["usage"] = None
    return body
