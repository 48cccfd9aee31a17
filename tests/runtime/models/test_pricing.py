"""Token → USD pricing per model, with per-project overrides."""
from __future__ import annotations

import pytest

from runtime.models.base import Usage
from runtime.models.pricing import PriceTable


def test_known_models_cost_their_list_price_per_million_tokens() -> None:
    table = PriceTable()

    assert table.cost("openai/gpt-4.1-mini", Usage(1_000_000, 1_000_000)) == pytest.approx(0.40 + 1.60)
    assert table.cost("openai/gpt-4o", Usage(2000, 500)) == pytest.approx((2000 * 2.5 + 500 * 10) / 1e6)


def test_dated_snapshots_use_their_family_price() -> None:
    table = PriceTable()

    assert table.price("openai/gpt-4o-mini-2024-07-18") == table.price("gpt-4o-mini")
    assert table.price("anthropic/claude-sonnet-4-20250514") == table.price("claude-sonnet-4")


def test_local_and_scripted_models_are_free_and_unknown_models_cost_zero() -> None:
    table = PriceTable()

    assert table.cost("local/default", Usage(10**6, 10**6)) == 0.0
    assert table.cost("scripted/demo", Usage(10**6, 10**6)) == 0.0
    assert not table.known("compat:ollama/llama3.2") and table.cost("compat:ollama/llama3.2", Usage(10, 10)) == 0.0


def test_project_overrides_win_over_defaults() -> None:
    table = PriceTable({"openai/gpt-4.1-mini": {"input": 1.0, "output": 2.0},
                        "compat:ollama/llama3.2": {"input": 0.1, "output": 0.1}})

    assert table.cost("openai/gpt-4.1-mini", Usage(1_000_000, 0)) == pytest.approx(1.0)
    assert table.cost("compat:ollama/llama3.2", Usage(1_000_000, 1_000_000)) == pytest.approx(0.2)
