"""Blocklist: words (whole words, case-insensitive) and regular expressions; block or mask.

Patterns run on RE2 (`runtime.user_regex`): linear time whatever the pattern; syntax RE2 lacks
(backreferences, look-around) is refused when the agent is validated, naming the pattern."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from runtime.guardrails.base import STAGES, Stage, Verdict
from runtime.user_regex import compile_user_regex, escape


class Blocklist:
    """Blocks (default) or masks text that contains a listed word or matches a pattern."""

    name = "blocklist"

    def __init__(self, words: Iterable[str] = (), patterns: Iterable[str] = (), *, action: str = "block",
                 mask: str = "[REDACTED]", stages: frozenset[str] = STAGES["both"]) -> None:
        if action not in ("block", "mask"):
            raise ValueError(f"blocklist action must be 'block' or 'mask', not {action!r}")
        patterns = [str(p) for p in patterns if p]
        for index, pattern in enumerate(patterns):  # each alone, so the error names the bad one
            compile_user_regex(pattern, field=f"patterns[{index}]", ignore_case=True)
        parts = [rf"\b{escape(str(w))}\b" for w in words if w] + patterns
        self.pattern = (compile_user_regex("|".join(f"(?:{p})" for p in parts), field="patterns", ignore_case=True)
                        if parts else None)
        self.action = action
        self.mask = mask
        self.stages = stages

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Blocklist:
        return cls(config.get("words", ()), config.get("patterns", ()), action=config.get("action", "block"),
                   mask=config.get("mask", "[REDACTED]"), stages=STAGES[config.get("stage", "both")])

    def check(self, text: str, *, stage: Stage) -> Verdict:
        if self.pattern is None:
            return Verdict.allow(text)
        if self.action == "mask":
            masked, n = self.pattern.subn(lambda _match: self.mask, text)
            return Verdict.rewrite(masked, f"masked {n} blocked term(s)") if n else Verdict.allow(text)
        match = self.pattern.search(text)
        if match is None:
            return Verdict.allow(text)
        return Verdict.block(text, f"{stage} contains a blocked term")
