"""Spend limits that live outside the run (a project's or API key's budget), as the engine sees them.

The agent loop charges every model call's usage to the meter and asks it, before the next call,
whether that call could still fit; a meter raises `BudgetExceeded` when a limit is crossed or
would be. The Django side implements it over Redis (`limits.metering`); None means no budget.
"""
from __future__ import annotations

from typing import Protocol


class SpendMeter(Protocol):
    def charge(self, tokens: int, cost_usd: float) -> None:
        """Record one model call's tokens (input + output) and cost. Never raises for a limit."""

    def ensure(self, next_tokens: int = 0, next_cost_usd: float = 0.0) -> None:
        """Raise `runtime.errors.BudgetExceeded` if the usage so far plus the next call's estimate
        passes a limit (with zeros: if the usage so far has passed one)."""
