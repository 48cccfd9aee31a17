"""Promotion gates: callables that may refuse a promotion (evaluation thresholds, freezes).

A gate is called as `gate(version, environment, actor, override_reason)` before the environment
pointer moves. It refuses by raising `PromotionGateFailed` or by returning a non-empty reason
string; it allows by returning None (or ""). By default no gate is registered.

    from agent_platform.definitions import gates
    gates.register(check_thresholds, kinds={"agent", "workflow"})
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from agent_platform.definitions.errors import PromotionGateFailed

Gate = Callable[[Any, str, str, str], "str | None"]


@dataclass(frozen=True)
class _Registered:
    gate: Gate
    kinds: frozenset[str] | None  # None: every kind


_gates: list[_Registered] = []


def register(gate: Gate, *, kinds: Iterable[str] | None = None) -> Gate:
    """Add `gate` for the named kinds (`DefinitionKind.name`; default: all). Usable as a decorator."""
    unregister(gate)
    _gates.append(_Registered(gate, frozenset(kinds) if kinds is not None else None))
    return gate


def unregister(gate: Gate) -> None:
    _gates[:] = [entry for entry in _gates if entry.gate is not gate]


def gates_for(kind_name: str) -> list[Gate]:
    return [entry.gate for entry in _gates if entry.kinds is None or kind_name in entry.kinds]


def check(gate: Gate, version, environment: str, actor: str, override_reason: str) -> None:
    """Run one gate; a returned reason becomes `PromotionGateFailed`."""
    reason = gate(version, environment, actor, override_reason)
    if reason:
        raise PromotionGateFailed(str(reason), gate=getattr(gate, "__name__", type(gate).__name__))
