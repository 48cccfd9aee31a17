"""Storage protocols the engine checkpoints through, with in-memory implementations.

A checkpoint is a *delta* (what one completed turn or node added), appended in order; the
state of a run is the fold of its deltas. This keeps checkpoint storage linear in steps.
"""
from __future__ import annotations

import threading
from typing import Any, Protocol


class CheckpointStore(Protocol):
    def load_checkpoints(self, run_id: str) -> list[dict[str, Any]]:
        """Every delta appended for the run, oldest first."""
        ...

    def append_checkpoint(self, run_id: str, key: str, delta: dict[str, Any]) -> None:
        """Append one delta. `key` names the step (e.g. `turn:3`, `node:search`)."""
        ...


class ToolCallLedger(Protocol):
    """Results of tool calls by idempotency key, so a resumed run never repeats a call."""

    def get_result(self, key: str) -> dict[str, Any] | None: ...

    def record_result(self, key: str, result: dict[str, Any]) -> None: ...

    def record_intent(self, key: str) -> bool:
        """Note that a call is about to start. Returns False if an intent was already
        recorded (a previous attempt started and may have had its side effect)."""
        ...


class CancelToken(Protocol):
    def is_cancelled(self) -> bool: ...


class NeverCancelled:
    def is_cancelled(self) -> bool:
        return False


class CancelFlag:
    """A cancel token set from another thread (tests, in-process runs)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    def is_cancelled(self) -> bool:
        return self._event.is_set()


class MemoryCheckpointStore:
    def __init__(self) -> None:
        self.deltas: dict[str, list[dict[str, Any]]] = {}
        self.keys: dict[str, list[str]] = {}

    def load_checkpoints(self, run_id: str) -> list[dict[str, Any]]:
        return list(self.deltas.get(run_id, []))

    def append_checkpoint(self, run_id: str, key: str, delta: dict[str, Any]) -> None:
        self.deltas.setdefault(run_id, []).append(delta)
        self.keys.setdefault(run_id, []).append(key)


class MemoryLedger:
    def __init__(self) -> None:
        self.results: dict[str, dict[str, Any]] = {}
        self.intents: set[str] = set()

    def get_result(self, key: str) -> dict[str, Any] | None:
        return self.results.get(key)

    def record_result(self, key: str, result: dict[str, Any]) -> None:
        self.results.setdefault(key, result)

    def record_intent(self, key: str) -> bool:
        if key in self.intents:
            return False
        self.intents.add(key)
        return True
