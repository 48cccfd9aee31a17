"""What an agent is (AgentSpec, Limits) and what a run of it returns (AgentResult)."""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from runtime.models.base import Message, Usage
from runtime.retry import Backoff


@dataclass(frozen=True)
class Limits:
    """Bounds of one run. `max_tokens` and `max_cost_usd` cover the whole run (all calls)."""

    max_steps: int = 10  # model turns (a schema repair turn may go one over)
    max_tokens: int | None = None  # input + output tokens
    max_cost_usd: float | None = None
    timeout_s: float = 300.0  # wall time of the run
    call_timeout_s: float = 60.0  # per model call
    max_tool_errors: int = 3  # tool errors fed back to the model before the run fails
    max_output_tokens: int | None = None  # per model call

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Limits:
        """From a plain dict; unknown keys are ignored."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in names})


@dataclass(frozen=True)
class AgentSpec:
    """An immutable agent definition as the engine runs it."""

    instructions: str = ""
    model: str = "local/default"
    fallback_models: tuple[str, ...] = ()
    tools: tuple[str, ...] = ()  # names in AgentContext.tools; empty = every tool in the context
    output_schema: dict[str, Any] | None = None
    guardrails: tuple[dict[str, Any], ...] = ()  # e.g. {"type": "pii", "stage": "output"}
    limits: Limits = Limits()
    retry: Backoff = field(default_factory=Backoff)
    temperature: float | None = None
    response_cache: bool = False  # opt-in; needs AgentContext.cache
    cache_ttl_s: int = 3600

    @property
    def model_refs(self) -> tuple[str, ...]:
        """The primary model ref, then the fallbacks, in the order they are tried."""
        return (self.model, *self.fallback_models)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AgentSpec:
        """From an agent version's JSON (`model`, `fallbacks`, `instructions`, `tools`,
        `output_schema`, `guardrails`, `limits`, `retry`, `temperature`, `response_cache`)."""
        tools = tuple(t if isinstance(t, str) else t["name"] for t in data.get("tools") or ())
        return cls(
            instructions=data.get("instructions") or "",
            model=data.get("model") or "local/default",
            fallback_models=tuple(data.get("fallbacks") or data.get("fallback_models") or ()),
            tools=tools,
            output_schema=data.get("output_schema") or None,
            guardrails=tuple(data.get("guardrails") or ()),
            limits=Limits.from_dict(data.get("limits")),
            retry=Backoff.from_dict(data.get("retry")),
            temperature=data.get("temperature"),
            response_cache=bool(data.get("response_cache", False)),
            cache_ttl_s=int(data.get("cache_ttl_s", 3600)),
        )


@dataclass
class AgentResult:
    """A finished (or handed-off) run: `output` is `{"text": ...}` or the output schema's object."""

    output: Any  # {"text": ...}, or the value the output schema describes (normally an object)
    text: str
    usage: Usage
    cost_usd: float
    steps: int
    model: str = ""  # the ref that produced the final answer
    messages: list[Message] = field(default_factory=list)
    handoff: dict[str, Any] | None = None  # {"target": ..., "payload": ...}
    resumed_from_turn: int = 0  # last completed turn found in checkpoints (0 = fresh run)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (output, usage with cost, steps, handoff)."""
        return {"output": self.output, "text": self.text, "steps": self.steps, "model": self.model,
                "usage": {"input_tokens": self.usage.input_tokens, "output_tokens": self.usage.output_tokens,
                          "cost_usd": round(self.cost_usd, 8)},
                "handoff": self.handoff, "resumed_from_turn": self.resumed_from_turn}
