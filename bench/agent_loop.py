"""Agent loop benchmarks: orchestration overhead per turn, and the local model's speed.

    .venv/bin/python bench/agent_loop.py [--runs 2000] [--skip-local]

1. Overhead per model turn of `run_agent` with the scripted model (no delays, in-memory
   checkpoints and ledger, CollectingSink / NullTracer): each run is 3 model turns, the first two
   asking for one tool call each, the third answering. Time spent inside the model's
   `complete()` is measured and subtracted, so the figure is the loop's own cost (events,
   spans, checkpoints, idempotency ledger, schema validation, the tool's worker thread).
   For scale, the same conversation driven by a bare function-call loop is shown too.
   Budget: < 1 ms median per turn.
2. The local model's generation speed (tokens/second), if `llama_cpp` is importable.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runtime.agent import AgentContext, AgentSpec, run_agent
from runtime.events import CollectingSink, NullTracer
from runtime.models.base import DeltaCallback, Message, ModelRequest, ModelResponse
from runtime.models.router import ModelRouter
from runtime.models.scripted import ScriptedModel
from runtime.store import MemoryCheckpointStore, MemoryLedger
from runtime.tools.base import ToolSpec

TURNS = 3
SCRIPT = [
    {"tool_calls": [{"name": "add", "arguments": {"a": 1, "b": 2}}]},
    {"tool_calls": [{"name": "add", "arguments": {"a": 3, "b": 4}}]},
    {"text": "The sums are 3 and 7."},
]


class AddTool:
    spec = ToolSpec(name="add", description="Add two numbers.", input_schema={
        "type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}, "required": ["a", "b"]})

    def invoke(self, input: dict[str, Any], ctx: Any) -> dict[str, Any]:
        return {"sum": input["a"] + input["b"]}


class TimedModel:
    """Wraps a ChatModel and adds up the time spent inside it (to subtract model time)."""

    def __init__(self, inner: ScriptedModel) -> None:
        self.inner = inner
        self.seconds = 0.0

    def complete(self, request: ModelRequest, on_delta: DeltaCallback | None = None) -> ModelResponse:
        started = time.perf_counter()
        try:
            return self.inner.complete(request, on_delta)
        finally:
            self.seconds += time.perf_counter() - started


def bench_loop(runs: int) -> list[float]:
    """Per-turn overhead (ms) of run_agent, model time excluded."""
    model = TimedModel(ScriptedModel(SCRIPT))
    router = ModelRouter(models={"scripted/bench": model})
    spec = AgentSpec(instructions="You add numbers.", model="scripted/bench")
    tools = {"add": AddTool()}
    per_turn = []
    for i in range(runs + 50):
        ctx = AgentContext(run_id=f"run_{i}", router=router, tools=tools, sink=CollectingSink(), tracer=NullTracer(),
                           checkpoints=MemoryCheckpointStore(), ledger=MemoryLedger())
        model.seconds = 0.0
        started = time.perf_counter()
        result = run_agent(spec, {"message": "add 1+2 and 3+4"}, ctx=ctx)
        elapsed = time.perf_counter() - started - model.seconds
        assert result.steps == TURNS, result
        if i >= 50:  # warm-up: validator caches, imports
            per_turn.append(elapsed * 1000 / TURNS)
    return per_turn


def bench_bare(runs: int) -> list[float]:
    """Per-turn time (ms) of a bare function-call loop over the same conversation."""
    model = TimedModel(ScriptedModel(SCRIPT))
    tool = AddTool()
    per_turn = []
    for i in range(runs + 50):
        model.seconds = 0.0
        started = time.perf_counter()
        messages = [Message("system", "You add numbers."), Message("user", "add 1+2 and 3+4")]
        for turn in range(1, TURNS + 1):
            response = model.complete(ModelRequest(model="bench", messages=messages,
                                                   metadata={"run_id": f"bare_{i}", "turn": turn}))
            messages.append(Message("assistant", response.text, response.tool_calls))
            for call in response.tool_calls:
                messages.append(Message("tool", str(tool.invoke(call.arguments, None)), tool_call_id=call.id))
        elapsed = time.perf_counter() - started - model.seconds
        if i >= 50:
            per_turn.append(elapsed * 1000 / TURNS)
    return per_turn


def bench_local(tokens: int = 96) -> dict[str, float] | None:
    """Load time, raw generation speed and one short agent answer of the local model, or None
    without llama_cpp."""
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        return None
    from runtime.models.local import LocalModel, load_llama
    started = time.perf_counter()
    llm = load_llama()
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    out = llm.create_completion("Once upon a time, in a lighthouse by the sea,", max_tokens=tokens, temperature=0.0)
    seconds = time.perf_counter() - started
    generated = out["usage"]["completion_tokens"]
    started = time.perf_counter()
    answer = LocalModel().complete(ModelRequest(model="default", messages=[Message("user", "What is the capital of Italy?")]))
    return {"load_s": load_s, "tokens": generated, "tokens_per_s": generated / seconds,
            "answer_s": time.perf_counter() - started, "answer_tokens": answer.usage.output_tokens}


def _row(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"{name:<44} {statistics.median(values):>10.4f} {p95:>10.4f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--skip-local", action="store_true")
    args = parser.parse_args()
    loop, bare = bench_loop(args.runs), bench_bare(args.runs)
    print(f"agent loop overhead per model turn ({args.runs} runs x {TURNS} turns, 2 tool calls per run, "
          "model time excluded)")
    print(f"{'case':<44} {'median ms':>10} {'p95 ms':>10}")
    print(_row("run_agent (events, spans, checkpoints, ledger)", loop))
    print(_row("bare function-call loop (baseline)", bare))
    verdict = "PASS" if statistics.median(loop) < 1.0 else "FAIL"
    print(f"budget: median < 1 ms per turn -> {verdict}")
    print()
    local = None if args.skip_local else bench_local()
    if local is None:
        print("local model: skipped (llama_cpp is not importable: pip install -r requirements-local.txt)"
              if not args.skip_local else "local model: skipped (--skip-local)")
    else:
        print(f"local model (gemma-3-270m Q4_K_M, CPU): load {local['load_s']:.2f} s; "
              f"{local['tokens_per_s']:.1f} tokens/s generating {local['tokens']:.0f} tokens; "
              f"a short answer ({local['answer_tokens']:.0f} tokens, few-shot prompt) in {local['answer_s']:.2f} s")


if __name__ == "__main__":
    main()
