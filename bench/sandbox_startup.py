"""Code sandbox start-up time: a `return 1` snippet end to end, against a bare interpreter.

    .venv/bin/python bench/sandbox_startup.py [--runs 100]

Rows (p50 / p95 / mean, milliseconds), all measured in the same run:
1. `subprocess.run([python, "-I", "-S", "-c", "pass"])`: the floor, a bare interpreter start.
2. `Sandbox.run("return 1")` in bubblewrap: namespaces, mounts, rlimits, uid drop, the runner,
   JSON in and out, and waiting until every process of the sandbox is gone.
3. `CodeTool.invoke` (the same, through the built-in tool).
4. The unsandboxed development mode, for scale (no bwrap).
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runtime.tools.base import ToolContext
from runtime.tools.code import CodeTool
from runtime.tools.sandbox import Sandbox, SandboxLimits


def measure(run: Callable[[], object], runs: int) -> list[float]:
    run()  # warm caches (page cache, probe)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def row(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"{name:<44} p50 {statistics.median(ordered):7.2f}  p95 {p95:7.2f}  mean {statistics.fmean(ordered):7.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()

    sandbox = Sandbox(SandboxLimits())
    problem = sandbox.unavailable_reason()
    python = str(sandbox.python)
    rows = [row("bare `python -I -S -c pass` subprocess", measure(
        lambda: subprocess.run([python, "-I", "-S", "-c", "pass"], check=True), args.runs))]
    if problem:
        rows.append(f"sandbox unavailable: {problem}")
    else:
        rows.append(row("Sandbox.run('return 1') (bubblewrap)", measure(lambda: sandbox.run("return 1"), args.runs)))
        tool = CodeTool(sandbox)
        ctx = ToolContext(idempotency_key="bench")
        rows.append(row("CodeTool.invoke (bubblewrap)", measure(lambda: tool.invoke({"code": "return 1"}, ctx),
                                                                 args.runs)))
    dev = Sandbox(SandboxLimits(), bwrap="", allow_unsandboxed=True)
    rows.append(row("unsandboxed dev mode (no isolation)", measure(lambda: dev.run("return 1"), args.runs)))
    print(f"sandbox start-up, {args.runs} runs each, interpreter {python}")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
