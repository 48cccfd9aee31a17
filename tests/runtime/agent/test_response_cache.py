"""The response cache is opt-in per agent: a repeated request is answered from the cache."""
from __future__ import annotations

from runtime.agent import run_agent
from runtime.models.cache import MemoryResponseCache
from tests.runtime.agent.factories import context, events, router_with, spec


def test_an_agent_that_opts_in_gets_the_cached_answer_for_the_same_request() -> None:
    router = router_with(main=[{"text": "expensive answer"}])
    cache = MemoryResponseCache()

    first = run_agent(spec(response_cache=True), {"message": "q"}, ctx=context(router, run_id="a", cache=cache))
    second_ctx = context(router, run_id="b", cache=cache)
    second = run_agent(spec(response_cache=True), {"message": "q"}, ctx=second_ctx)

    assert first.output == second.output == {"text": "expensive answer"}
    assert len(router.resolve("scripted/main")[0].requests) == 1
    completed = events(second_ctx, "model.completed")[0]["data"]
    assert completed["cached"] is True and completed["cost_usd"] == 0.0
    assert second.usage.input_tokens == 0


def test_an_agent_that_does_not_opt_in_ignores_the_cache() -> None:
    router = router_with(main=[{"text": "fresh"}])
    cache = MemoryResponseCache()

    for run_id in ("a", "b"):
        run_agent(spec(), {"message": "q"}, ctx=context(router, run_id=run_id, cache=cache))

    assert len(router.resolve("scripted/main")[0].requests) == 2
