"""Token → USD prices per model, overridable per project.

Prices are USD per 1M input / output tokens (public list prices when written; projects
override them). Lookup order: the full ref (`openai/gpt-4.1-mini`), then the bare model name,
then the longest matching name prefix (so dated snapshots such as `gpt-4o-2024-08-06` or
`claude-sonnet-4-20250514` find their family). `local/*` and `scripted/*` cost nothing;
an unknown model costs 0 and `PriceTable.known()` says so.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from runtime.models.base import Usage


@dataclass(frozen=True)
class Price:
    """USD per 1M input tokens and per 1M output tokens."""

    input_per_m: float
    output_per_m: float

    def cost(self, usage: Usage) -> float:
        return (usage.input_tokens * self.input_per_m + usage.output_tokens * self.output_per_m) / 1_000_000


DEFAULT_PRICES: dict[str, Price] = {
    "gpt-4.1": Price(2.00, 8.00),
    "gpt-4.1-mini": Price(0.40, 1.60),
    "gpt-4.1-nano": Price(0.10, 0.40),
    "gpt-4o": Price(2.50, 10.00),
    "gpt-4o-mini": Price(0.15, 0.60),
    "o3": Price(2.00, 8.00),
    "o3-mini": Price(1.10, 4.40),
    "o4-mini": Price(1.10, 4.40),
    "claude-opus-4": Price(15.00, 75.00),
    "claude-sonnet-4": Price(3.00, 15.00),
    "claude-3-7-sonnet": Price(3.00, 15.00),
    "claude-3-5-sonnet": Price(3.00, 15.00),
    "claude-haiku-4-5": Price(1.00, 5.00),
    "claude-3-5-haiku": Price(0.80, 4.00),
    "claude-3-haiku": Price(0.25, 1.25),
}
FREE_PROVIDERS = ("local/", "scripted/")
_FREE = Price(0.0, 0.0)


def _as_price(value: Price | Mapping[str, float]) -> Price:
    if isinstance(value, Price):
        return value
    return Price(float(value.get("input", value.get("input_per_m", 0.0))),
                 float(value.get("output", value.get("output_per_m", 0.0))))


class PriceTable:
    """Prices by model; `overrides` maps a ref or model name to `{"input": .., "output": ..}`
    (USD per 1M tokens)."""

    def __init__(self, overrides: Mapping[str, Price | Mapping[str, float]] | None = None) -> None:
        self._prices = dict(DEFAULT_PRICES)
        self._prices.update({k: _as_price(v) for k, v in (overrides or {}).items()})
        self._by_length = sorted(self._prices, key=len, reverse=True)

    def price(self, ref: str) -> Price | None:
        """The price for a model ref or name, or None if unknown."""
        if ref in self._prices:
            return self._prices[ref]
        if ref.startswith(FREE_PROVIDERS):
            return _FREE
        name = ref.split("/", 1)[1] if "/" in ref else ref
        if name in self._prices:
            return self._prices[name]
        for key in self._by_length:
            if name.startswith(key):
                return self._prices[key]
        return None

    def known(self, ref: str) -> bool:
        """Whether a price is known for this ref (unknown models are counted as free)."""
        return self.price(ref) is not None

    def cost(self, ref: str, usage: Usage) -> float:
        """USD for this usage on this model (0 for free or unknown models)."""
        price = self.price(ref)
        return 0.0 if price is None else price.cost(usage)
