"""Answers to a waiting run: a tool approval decision or a human-input node's input."""
from __future__ import annotations

from django.db.models import Max
from django.utils import timezone

from agent_platform.service_errors import InputRejected, InvalidField
from runs.models import Checkpoint, Run, ToolCallRecord
from runtime.graph import check_resume_input, find_node, resume_delta
from runtime.jsonschema_validation import field_errors
from tools.approvals import record_decision


def record_answer(run: Run, answer: dict) -> None:
    """Store the answer where the engine will find it on resume; raise `InvalidField`/`InputRejected`
    if it is invalid."""
    waiting = run.waiting_for or {}
    reason = waiting.get("reason")
    prompt = waiting.get("prompt") or {}
    if reason == "tool_approval":
        _record_approval(run, prompt, answer)
    elif reason == "human_input":
        _record_human_input(run, prompt, answer)
    else:
        raise InvalidField("status", f"run is waiting for {reason!r}, which cannot be answered")


def _record_approval(run: Run, prompt: dict, answer: dict) -> None:
    if not isinstance(answer.get("approve"), bool) or set(answer) - {"approve", "reason"}:
        raise InvalidField("approve", "answer a tool approval with {approve: bool, reason?: str}")
    key = prompt.get("approval_key") or f"approval:{prompt.get('key')}"
    ToolCallRecord.objects.update_or_create(
        run=run, key=key,
        defaults={"result": {"approved": answer["approve"], "reason": answer.get("reason", "")},
                  "completed_at": timezone.now()})
    record_decision(run, prompt=prompt, key=key, approved=answer["approve"], reason=answer.get("reason", ""))


def _record_human_input(run: Run, prompt: dict, answer: dict) -> None:
    """Answer a waiting Human input node: `{input}` (the first waiting node) or `{input, node}`.
    The answer is checked against the node's input schema in the pinned graph (422 naming
    `input.<field>` if it does not fit; the run stays waiting), then the engine's `resume` delta
    is appended to the run's checkpoints."""
    if "input" not in answer or set(answer) - {"input", "node"}:
        raise InvalidField("input", "answer a human-input pause with {input: {...}} (and `node` if several wait)")
    node = _waiting_node(prompt, answer.get("node"))
    if run.workflow_version is None:
        raise InvalidField("status", "only workflow runs wait for human input")
    graph = run.workflow_version.body["graph"]
    if check_resume_input(graph, node, answer["input"]):
        schema = (find_node(graph, node).get("config") or {}).get("input_schema") or {"type": "object"}
        raise InputRejected("The input does not match the requested schema.",
                            errors=field_errors(schema, answer["input"], prefix="input", name_property=True),
                            code="invalid_input")
    key, delta = resume_delta(node, answer["input"])
    last = Checkpoint.objects.filter(run=run).aggregate(last=Max("idx"))["last"]
    Checkpoint.objects.create(run=run, idx=0 if last is None else last + 1, key=key, delta=delta)


def _waiting_node(prompt: dict, requested) -> str:
    waiting = [p.get("node") for p in prompt.get("waiting") or [prompt]]
    if requested is None:
        return waiting[0]
    if requested not in waiting:
        raise InvalidField("node", f"node {requested!r} is not waiting; waiting: {', '.join(map(str, waiting))}")
    return requested

