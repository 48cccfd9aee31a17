"""PII redaction: emails, phone numbers, card numbers (Luhn-checked) → `[EMAIL]`, `[PHONE]`, `[CARD]`."""
from __future__ import annotations

import re
from typing import Any

from runtime.guardrails.base import STAGES, Stage, Verdict

EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
# Not inside a word: the digits of an identifier (`run_ab4111111111111111cd`) are not a card.
CARD = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")
PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]?\d{2,4}){1,4}(?![\w])")


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum that every payment card number satisfies."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _only_digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _card(match: re.Match[str]) -> str:
    digits = _only_digits(match.group())
    return "[CARD]" if 13 <= len(digits) <= 19 and luhn_valid(digits) else match.group()


def _phone(match: re.Match[str]) -> str:
    text = match.group()
    digits = _only_digits(text)
    # Plain digit runs need 9+ digits, so dates (8 digits) and small numbers survive.
    minimum = 7 if text.startswith(("+", "(")) else 9
    return "[PHONE]" if minimum <= len(digits) <= 15 else text


class PiiRedactor:
    """Rewrites emails, phone numbers and Luhn-valid card numbers; never blocks."""

    name = "pii"

    def __init__(self, stages: frozenset[str] = STAGES["both"]) -> None:
        self.stages = stages

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> PiiRedactor:
        return cls(STAGES[config.get("stage", "both")])

    def redact(self, text: str) -> tuple[str, dict[str, int]]:
        """The redacted text and how many of each kind were replaced."""
        counts: dict[str, int] = {}
        text, counts["email"] = EMAIL.subn("[EMAIL]", text)
        for kind, pattern, replace, marker in (("card", CARD, _card, "[CARD]"), ("phone", PHONE, _phone, "[PHONE]")):
            before = text.count(marker)
            text = pattern.sub(replace, text)
            counts[kind] = text.count(marker) - before
        return text, {k: v for k, v in counts.items() if v}

    def check(self, text: str, *, stage: Stage) -> Verdict:
        redacted, counts = self.redact(text)
        if not counts:
            return Verdict.allow(text)
        reason = "redacted " + ", ".join(f"{n} {kind}" for kind, n in counts.items())
        return Verdict.rewrite(redacted, reason)
