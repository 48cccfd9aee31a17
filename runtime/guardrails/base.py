"""The guardrail hook interface: check a text at a stage, then allow, block or rewrite it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

Stage = Literal["input", "output"]
Action = Literal["allow", "block", "rewrite"]
STAGES: dict[str, frozenset[str]] = {
    "input": frozenset({"input"}), "output": frozenset({"output"}), "both": frozenset({"input", "output"}),
}


@dataclass(frozen=True)
class Verdict:
    """A guardrail's decision: `allow` the text, `block` it with a reason, or `rewrite` it."""

    action: Action
    text: str
    reason: str = ""

    @classmethod
    def allow(cls, text: str) -> Verdict:
        return cls("allow", text)

    @classmethod
    def block(cls, text: str, reason: str) -> Verdict:
        return cls("block", text, reason)

    @classmethod
    def rewrite(cls, text: str, reason: str) -> Verdict:
        return cls("rewrite", text, reason)


class Guardrail(Protocol):
    """A hook run on the agent's input (the user message) and/or its final output text."""

    name: str
    stages: frozenset[str]  # which of "input" / "output" it runs at

    def check(self, text: str, *, stage: Stage) -> Verdict:
        """Decide about `text` at `stage`; a rewrite returns the new text in the verdict."""
        ...
