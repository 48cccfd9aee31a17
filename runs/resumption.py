"""Answers to a waiting run: a tool approval decision or a human-input node's input."""
from __future__ import annotations

from django.utils import timezone
from jsonschema import Draft202012Validator

from agent_platform.api.errors import ApiError, FieldError
from agents.spec import schema_errors
from runs.models import Checkpoint, Run, ToolCallRecord


def record_answer(run: Run, answer: dict) -> None:
    """Store the answer where the engine will find it on resume; raise a 4xx if it is invalid."""
    waiting = run.waiting_for or {}
    reason = waiting.get("reason")
    prompt = waiting.get("prompt") or {}
    if reason == "tool_approval":
        _record_approval(run, prompt, answer)
    elif reason == "human_input":
        _record_human_input(run, prompt, answer)
    else:
        raise FieldError("status", f"run is waiting for {reason!r}, which cannot be answered")


def _record_approval(run: Run, prompt: dict, answer: dict) -> None:
    if not isinstance(answer.get("approve"), bool) or set(answer) - {"approve", "reason"}:
        raise FieldError("approve", "answer a tool approval with {approve: bool, reason?: str}")
    key = prompt.get("approval_key") or f"approval:{prompt.get('key')}"
    ToolCallRecord.objects.update_or_create(
        run=run, key=key,
        defaults={"result": {"approved": answer["approve"], "reason": answer.get("reason", "")},
                  "completed_at": timezone.now()})


def _record_human_input(run: Run, prompt: dict, answer: dict) -> None:
    if set(answer) != {"input"}:
        raise FieldError("input", "answer a human-input pause with {input: {...}}")
    schema = prompt.get("input_schema")
    if schema:
        errors = schema_errors(Draft202012Validator(schema), answer["input"])
        if errors:
            raise ApiError("The input does not match the requested schema.",
                           errors={f"input.{k}" if k != "body" else "input": v for k, v in errors.items()},
                           code="invalid_input")
    node = prompt.get("node")
    idx = Checkpoint.objects.filter(run=run).count()
    Checkpoint.objects.create(run=run, idx=idx, key=f"resume:{node}",
                              delta={"kind": "resume", "node": node, "input": answer["input"]})
