"""The loop's state as a fold of checkpoint deltas.

Every delta the loop writes is applied to the live state by the same `apply` that folds
stored deltas on resume, so a resumed run sees exactly the state the crashed one had after
its last checkpoint. Deltas (appended in order, keys in brackets):

    start   [turn:0]        the initial messages (instructions, history, guarded input)
    model   [turn:<n>:model] the assistant's message asking for tool calls (pending)
    tools   [turn:<n>]      the tool result messages; `handoff` if a tool handed off
    repair  [turn:<n>]      a schema-invalid answer and the repair request
    final   [turn:<n>]      the final assistant message and the run's `output`

Each delta also carries running totals (usage, cost, steps, tool errors, repairs, model ref),
so the fold is a concatenation of messages plus the last totals.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from runtime.models.base import Message, ToolCall, Usage


@dataclass
class LoopState:
    """Messages so far, running totals, and what the next step is (pending calls, repair, done)."""

    messages: list[Message] = field(default_factory=list)
    turn: int = 0  # last model turn (completed or pending tools)
    completed_turn: int = 0  # last turn whose checkpoint `turn:<n>` was written
    steps: int = 0
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0
    tool_errors: int = 0
    repairs: int = 0
    model: str = ""
    pending: list[ToolCall] = field(default_factory=list)  # tool calls of `turn` not yet run
    awaiting_repair: bool = False
    output: Any = None  # set by the final delta
    handoff: dict[str, Any] | None = None

    def totals(self) -> dict[str, Any]:
        """The running totals every delta carries."""
        return {"turn": self.turn, "steps": self.steps, "cost_usd": self.cost_usd, "tool_errors": self.tool_errors,
                "repairs": self.repairs, "model": self.model,
                "usage": {"input_tokens": self.usage.input_tokens, "output_tokens": self.usage.output_tokens}}

    def apply(self, delta: dict[str, Any]) -> None:
        """Fold one delta into the state (used live and on resume)."""
        kind = delta["kind"]
        new = [Message.from_dict(m) for m in delta.get("messages", ())]
        self.messages.extend(new)
        if kind != "start":
            self._apply_totals(delta)
        self.pending = list(new[-1].tool_calls) if kind == "model" else []
        self.awaiting_repair = kind == "repair"
        if kind in ("tools", "repair", "final"):
            self.completed_turn = self.turn
        if kind == "final":
            self.output = delta["output"]
        if delta.get("handoff") is not None:
            self.handoff = delta["handoff"]

    def _apply_totals(self, delta: dict[str, Any]) -> None:
        self.turn = delta["turn"]
        self.steps = delta["steps"]
        self.cost_usd = delta["cost_usd"]
        self.tool_errors = delta["tool_errors"]
        self.repairs = delta["repairs"]
        self.model = delta.get("model", self.model)
        self.usage = Usage(**delta["usage"])

    @property
    def last_text(self) -> str:
        for m in reversed(self.messages):
            if m.role == "assistant" and m.content:
                return m.content
        return ""


def fold(deltas: Iterable[dict[str, Any]]) -> LoopState | None:
    """The state after these deltas, or None when the run has no checkpoint yet."""
    state: LoopState | None = None
    for delta in deltas:
        state = state or LoopState()
        state.apply(delta)
    return state
