"""Maximum length in characters: block (default) or truncate."""
from __future__ import annotations

from typing import Any

from runtime.guardrails.base import STAGES, Stage, Verdict


class MaxLength:
    """Blocks (or truncates) text longer than `max_chars` characters."""

    name = "max_length"

    def __init__(self, max_chars: int, *, action: str = "block", stages: frozenset[str] = STAGES["both"]) -> None:
        if action not in ("block", "truncate"):
            raise ValueError(f"max_length action must be 'block' or 'truncate', not {action!r}")
        self.max_chars = max_chars
        self.action = action
        self.stages = stages

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> MaxLength:
        return cls(int(config["max_chars"]), action=config.get("action", "block"),
                   stages=STAGES[config.get("stage", "both")])

    def check(self, text: str, *, stage: Stage) -> Verdict:
        if len(text) <= self.max_chars:
            return Verdict.allow(text)
        reason = f"{stage} is {len(text)} characters, over the limit of {self.max_chars}"
        if self.action == "truncate":
            return Verdict.rewrite(text[: self.max_chars], reason)
        return Verdict.block(text, reason)
