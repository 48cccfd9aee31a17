"""Run a chain of guardrails over a text at one stage, reporting through the event sink."""
from __future__ import annotations

from collections.abc import Iterable

from runtime.errors import GuardrailBlocked
from runtime.events import EventSink
from runtime.guardrails.base import Guardrail, Stage


def apply_guardrails(guardrails: Iterable[Guardrail], text: str, *, stage: Stage, sink: EventSink,
                     node_id: str | None = None) -> str:
    """The text after every guardrail for `stage` ran in order (rewrites chain).

    Emits `guardrail.rewritten` for each rewrite and `guardrail.blocked` before raising
    `GuardrailBlocked`. Events carry the reason, never the text (it may hold PII)."""
    for guardrail in guardrails:
        if stage not in guardrail.stages:
            continue
        verdict = guardrail.check(text, stage=stage)
        data = {"guardrail": guardrail.name, "stage": stage, "reason": verdict.reason}
        if verdict.action == "block":
            sink.emit("guardrail.blocked", data, node_id=node_id)
            raise GuardrailBlocked(verdict.reason or f"blocked by {guardrail.name}", guardrail=guardrail.name,
                                   stage=stage)
        if verdict.action == "rewrite" and verdict.text != text:
            sink.emit("guardrail.rewritten", data, node_id=node_id)
            text = verdict.text
    return text
