"""A deterministic `ChatModel` driven by a list of turns: for tests and reproducible demos.

It makes no network calls and costs nothing. Each entry of the script is a dict:

    {"text": "Hello {message}"}         answer text, streamed as a few deltas; `{message}` is
                                        replaced by the last user message
    {"echo": true, "prefix": "You said: "}
                                        answer with the last user message (demo agents)
    {"json": {"city": "Paris"}}         answer with this value as JSON text (structured output)
    {"tool_calls": [{"name": "add", "arguments": {"a": 1}, "id": "c1"}], "text": ""}
                                        ask for one or more tool calls (id optional); string
                                        arguments may use `{message}` too
    {"error": "model_rate_limited", "retry_after": 0.01, "message": "slow down"}
                                        raise that typed error (any `ModelError` code)
    {"delay": 0.2, ...}                 wait this long first (simulated latency; past the
                                        request's `timeout_s` it raises `model_timeout`)
    {"usage": {"input_tokens": 10, "output_tokens": 5}, "finish_reason": "stop", ...}
                                        optional overrides on any answer

Answers are picked by conversation turn, not by call count: the agent loop passes
`metadata={"run_id": ..., "turn": n}` and the n-th *answer* entry is used, so every run of a
demo agent replays the same script and a resumed run continues where it left off. Error
entries belong to the answer that follows them and fire once per (run, turn), one per
attempt, which is how retries and fallbacks are scripted. Without metadata a per-instance
cursor counts turns. When the script runs out, the model answers `final_text`. Thread-safe.
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from runtime import errors
from runtime.models.base import DeltaCallback, Message, ModelRequest, ModelResponse, ToolCall, Usage

_ERRORS: dict[str, type[errors.ModelError]] = {
    cls.code: cls for cls in vars(errors).values()
    if isinstance(cls, type) and issubclass(cls, errors.ModelError)
}


@dataclass
class _Slot:
    answer: dict[str, Any]
    errors_before: list[dict[str, Any]] = field(default_factory=list)


def _slots(turns: Iterable[dict[str, Any]], final_text: str) -> list[_Slot]:
    slots: list[_Slot] = []
    pending: list[dict[str, Any]] = []
    for turn in turns:
        if "error" in turn:
            pending.append(turn)
        else:
            slots.append(_Slot(answer=dict(turn), errors_before=pending))
            pending = []
    if pending:
        slots.append(_Slot(answer={"text": final_text}, errors_before=pending))
    return slots


def _last_user_message(messages: list[Message]) -> str:
    for m in reversed(messages):
        if m.role == "user":
            return m.content or ""
    return ""


def _fill(value: Any, message: str) -> Any:
    if isinstance(value, str):
        return value.replace("{message}", message)
    if isinstance(value, dict):
        return {k: _fill(v, message) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, message) for v in value]
    return value


def _chunks(text: str, pieces: int = 3) -> list[str]:
    """Split text into at most `pieces` deltas at spaces (deterministic)."""
    if len(text) < 12:
        return [text] if text else []
    step = max(1, len(text) // pieces)
    out: list[str] = []
    start = 0
    while start < len(text):
        end = text.find(" ", start + step)
        end = len(text) if end < 0 or len(out) == pieces - 1 else end + 1
        out.append(text[start:end])
        start = end
    return out


class ScriptedModel:
    """Deterministic provider; see the module docstring for the turn format."""

    def __init__(self, turns: Iterable[dict[str, Any]] = (), *, final_text: str = "Done.", name: str = "scripted") -> None:
        self.name = name
        self.final_text = final_text
        self._slots = _slots(turns, final_text)
        self._lock = threading.Lock()
        self._attempts: dict[tuple[str, int], int] = {}
        self._cursor: dict[str, int] = {}
        self.calls = 0  # how many times complete() was called (tests, demos)

    @classmethod
    def from_config(cls, config: list | dict, name: str = "scripted") -> ScriptedModel:
        """Build from `[turns...]` or `{"turns": [...], "final_text": "..."}`."""
        if isinstance(config, list):
            return cls(config, name=name)
        return cls(config.get("turns", []), final_text=config.get("final_text", "Done."), name=name)

    def complete(self, request: ModelRequest, on_delta: DeltaCallback | None = None) -> ModelResponse:
        """Answer the scripted turn for this request (or raise its scripted error)."""
        entry = self._next_entry(request)
        delay = float(entry.get("delay", 0) or 0)
        if delay:
            self._wait(delay, request.timeout_s)
        if "error" in entry:
            cls = _ERRORS.get(entry["error"], errors.ModelError)
            extra = {"retry_after": entry["retry_after"]} if cls is errors.ModelRateLimited else {}
            raise cls(entry.get("message", f"scripted {entry['error']}"), **extra)
        return self._answer(entry, request, on_delta)

    def _next_entry(self, request: ModelRequest) -> dict[str, Any]:
        run_id = str(request.metadata.get("run_id", ""))
        with self._lock:
            self.calls += 1
            turn = request.metadata.get("turn")
            if turn is None:
                turn = self._cursor.get(run_id, 0) + 1
            if turn > len(self._slots):
                return {"text": self.final_text}
            slot = self._slots[turn - 1]
            key = (run_id, turn)
            attempt = self._attempts.get(key, 0) if slot.errors_before else 0
            if attempt < len(slot.errors_before):
                self._attempts[key] = attempt + 1
                return slot.errors_before[attempt]
            if "turn" not in request.metadata:
                self._cursor[run_id] = turn
            return slot.answer

    @staticmethod
    def _wait(delay: float, timeout_s: float | None) -> None:
        if timeout_s is not None and delay > timeout_s:
            time.sleep(timeout_s)
            raise errors.ModelTimeout(f"scripted: no answer within {timeout_s}s")
        time.sleep(delay)

    def _answer(self, entry: dict[str, Any], request: ModelRequest, on_delta: DeltaCallback | None) -> ModelResponse:
        message = _last_user_message(request.messages)
        if entry.get("echo"):
            text = str(entry.get("prefix", "")) + message
        elif "json" in entry:
            text = json.dumps(entry["json"])
        else:
            text = _fill(str(entry.get("text", "")), message)
        calls = [ToolCall(id=str(c.get("id") or f"call_{i}"), name=c["name"],
                          arguments=_fill(dict(c.get("arguments", {})), message))
                 for i, c in enumerate(entry.get("tool_calls", []))]
        if on_delta is not None:
            for piece in _chunks(text):
                on_delta(piece)
        usage = entry.get("usage") or {
            "input_tokens": sum(len(m.content or "") for m in request.messages) // 4 + 1,
            "output_tokens": (len(text) + sum(len(json.dumps(c.arguments)) for c in calls)) // 4 + 1}
        return ModelResponse(text=text, tool_calls=calls, usage=Usage(**usage), model=self.name,
                             finish_reason=entry.get("finish_reason", "tool_calls" if calls else "stop"))
