"""Python SDK overhead per create + stream, against raw httpx measured in the same run.

    .venv/bin/python bench/sdk_overhead.py [--quick] [--runs 100]

Starts its own Daphne and one platform worker on isolated embedded services (var/bench), makes
a one-turn scripted agent, then for each of `--runs` iterations, in alternating order:

- raw: `httpx.Client.post("/api/v1/runs")`, then `httpx_sse.connect_sse()` on the run's stream,
  `json.loads` of each event until the terminal one (what a careful hand-written client does);
- sdk: `Client.runs.create_and_stream()` and iterate it to the end (pydantic models, the
  generated Idempotency-Key, the retrying request loop, the reconnecting stream reader).

Both use one keep-alive connection pool. Figures: wall time per create + stream (p50, p95) and
this process's CPU time per create + stream (the client-side work; the server and worker run in
other processes). Budget: the SDK's p50 wall time within 1.10x of raw, and its CPU per run
within raw + 1 ms.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "sdk" / "python" / "src"))

from _stack import Row, Stack, ms, p50, p95, print_table, scripted_agent  # noqa: E402

TERMINAL = {"run.succeeded", "run.failed", "run.cancelled", "run.timed_out"}
WARMUP = 5


def raw_create_and_stream(http, agent: str) -> int:
    import httpx_sse

    response = http.post("/api/v1/runs", json={"agent": agent, "input": {"message": "hi"}})
    response.raise_for_status()
    run_id = response.json()["id"]
    count = 0
    with httpx_sse.connect_sse(http, "GET", f"/api/v1/runs/{run_id}/stream") as source:
        for sse in source.iter_sse():
            event = json.loads(sse.data)
            count += 1
            if event["type"] in TERMINAL:
                break
    return count


def sdk_create_and_stream(client, agent: str) -> int:
    count = 0
    with client.runs.create_and_stream(agent=agent, input={"message": "hi"}) as stream:
        for _event in stream:
            count += 1
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--quick", action="store_true", help="20 runs")
    parser.add_argument("--keep-services", action="store_true")
    args = parser.parse_args()
    runs = 20 if args.quick else args.runs
    with Stack(keep_services=args.keep_services) as stack:
        import httpx
        from agent_platform_sdk import Client

        project, key = stack.project("bench-sdk")
        scripted_agent(project, "sdk-bench", [{"text": "one two three four five six seven eight"}])
        base = stack.server()
        stack.wait_workers([stack.platform_worker("bench-sdk")])
        headers = {"Authorization": f"Bearer {key}"}
        samples: dict[str, list[tuple[float, float]]] = {"raw": [], "sdk": []}
        events: dict[str, int] = {}
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http, \
                Client(key, base_url=base, timeout=60) as client:
            flows = {"raw": lambda: raw_create_and_stream(http, "sdk-bench"),
                     "sdk": lambda: sdk_create_and_stream(client, "sdk-bench")}
            for index in range(WARMUP + runs):
                order = ("raw", "sdk") if index % 2 == 0 else ("sdk", "raw")
                for name in order:
                    wall, cpu = time.perf_counter(), time.process_time()
                    events[name] = flows[name]()
                    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                    if index >= WARMUP:
                        samples[name].append((wall, cpu))
        assert events["raw"] == events["sdk"], events
        raw_wall = [s[0] for s in samples["raw"]]
        sdk_wall = [s[0] for s in samples["sdk"]]
        raw_cpu = [s[1] for s in samples["raw"]]
        sdk_cpu = [s[1] for s in samples["sdk"]]
        wall_ratio = p50(sdk_wall) / p50(raw_wall)
        cpu_overhead = p50(sdk_cpu) - p50(raw_cpu)
        print_table(f"SDK overhead per create + stream ({runs} runs each, {events['sdk']} events per run, "
                    f"interleaved)", [
            Row("wall p50, SDK vs raw httpx", ms(p50(sdk_wall) * 1000), ms(p50(raw_wall) * 1000), f"{wall_ratio:.2f}x",
                "<= 1.10x", wall_ratio <= 1.10),
            Row("wall p95, SDK vs raw httpx", ms(p95(sdk_wall) * 1000), ms(p95(raw_wall) * 1000),
                f"{p95(sdk_wall) / p95(raw_wall):.2f}x"),
            Row("client CPU p50 per run, SDK vs raw", ms(p50(sdk_cpu) * 1000), ms(p50(raw_cpu) * 1000),
                f"+{cpu_overhead * 1000:.2f} ms", "<= +1 ms", cpu_overhead <= 0.001),
        ])
    return 0


if __name__ == "__main__":
    sys.exit(main())
