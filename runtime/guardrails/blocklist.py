"""Blocklist: words (whole words, case-insensitive) and regular expressions; block or mask."""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from runtime.guardrails.base import STAGES, Stage, Verdict


class Blocklist:
    """Blocks (default) or masks text that contains a listed word or matches a pattern."""

    name = "blocklist"

    def __init__(self, words: Iterable[str] = (), patterns: Iterable[str] = (), *, action: str = "block",
                 mask: str = "[REDACTED]", stages: frozenset[str] = STAGES["both"]) -> None:
        if action not in ("block", "mask"):
            raise ValueError(f"blocklist action must be 'block' or 'mask', not {action!r}")
        parts = [rf"\b{re.escape(w)}\b" for w in words if w] + [p for p in patterns if p]
        self.pattern = re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE) if parts else None
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
            masked, n = self.pattern.subn(self.mask, text)
            return Verdict.rewrite(masked, f"masked {n} blocked term(s)") if n else Verdict.allow(text)
        match = self.pattern.search(text)
        if match is None:
            return Verdict.allow(text)
        return Verdict.block(text, f"{stage} contains a blocked term")
