"""Input and output guardrail hooks: allow, block with a reason, or rewrite.

Built-ins: PII redaction, blocklist, max length, JSON-schema check (see `registry`).
"""
from runtime.guardrails.apply import apply_guardrails
from runtime.guardrails.base import Guardrail, Verdict
from runtime.guardrails.registry import build_guardrail, build_guardrails, register_guardrail

__all__ = ["Guardrail", "Verdict", "apply_guardrails", "build_guardrail", "build_guardrails", "register_guardrail"]
