"""Ordered fallbacks: after the first model's retries are spent, the next model answers."""
from __future__ import annotations

from runtime.agent import run_agent
from tests.runtime.agent.factories import context, events, router_with, spec


def test_falls_back_to_the_second_model_after_retries_on_the_first() -> None:
    router = router_with(main=[{"error": "model_server_error"}] * 3, second=[{"text": "second model here"}])
    ctx = context(router)

    result = run_agent(spec(fallback_models=("scripted/second",)), {"message": "hi"}, ctx=ctx)

    assert result.output == {"text": "second model here"}
    assert result.model == "scripted/second"
    assert len(router.resolve("scripted/main")[0].requests) == 3
    assert [e["data"]["model"] for e in events(ctx, "model.completed")] == ["scripted/second"]
    assert [(s.name, s.status) for s in ctx.tracer.spans] == [("scripted/main", "error")] * 3 + [
        ("scripted/second", "ok")]


def test_an_unavailable_primary_falls_back_at_once() -> None:
    router = router_with(second=[{"text": "fine"}])

    result = run_agent(spec(model="compat:not-configured/m", fallback_models=("scripted/second",)),
                       {"message": "hi"}, ctx=context(router))

    assert result.output == {"text": "fine"}
