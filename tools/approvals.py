"""Recording reviewers' decisions on tool calls that required approval.

`runs.resumption` calls `record_decision` when a waiting run is answered (`{approve, reason?}`,
over the API or from the admin): the decision becomes a `ToolApproval` row, which the audit log
records with the acting user or API key; the run's own `run.resumed` event carries the answer.
"""
from __future__ import annotations

from auditlog.context import auditlog_value

from tools.models import ToolApproval


def current_actor() -> str:
    """Who is acting in this request, as the audit log knows it (a user name or an API key label)."""
    try:
        context = auditlog_value.get()
    except LookupError:
        return ""
    actor = context.get("actor")
    if actor is not None and getattr(actor, "pk", None):
        return str(getattr(actor, "username", "") or actor.pk)
    return str(context.get("actor_email") or "")


def record_decision(run, *, prompt: dict, key: str, approved: bool, reason: str = "") -> ToolApproval:
    """Store (and so audit) one decision on the call `prompt` describes (`{tool, input, key}`)."""
    return ToolApproval.objects.create(run=run, tool=str(prompt.get("tool") or "")[:100], key=key[:300],
                                       input=prompt.get("input") if isinstance(prompt.get("input"), dict) else {},
                                       approved=approved, reason=(reason or "")[:1000], actor=current_actor()[:200])
