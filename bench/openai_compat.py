"""`/v1/chat/completions` first-token latency versus the runs API, measured in the same run.

    .venv/bin/python bench/openai_compat.py [--quick] [--samples 100] [--keep-services]

Starts its own Daphne and one platform worker on isolated embedded services (var/bench), makes
a one-turn scripted agent (its answer streamed as several `model.delta` events, no simulated
latency) and, interleaved, for each sample:

- runs API: `POST /api/v1/runs`, then `GET /api/v1/runs/{id}/stream` (SSE) — request start →
  the first `model.delta` event arriving; and → the terminal event.
- `/v1` (raw httpx): `POST /v1/chat/completions` with `stream: true` — request start → the first
  chunk with content; and → `data: [DONE]`.
- `/v1` (the official `openai` client): the same through `client.chat.completions.create(stream=True)`.
- `/v1` non-streamed: request start → the whole `chat.completion`.

The /v1 path does the run creation and the stream subscription in one request (one round trip
fewer than create + SSE), so it is expected to be no slower. No budget: the figure is reported.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stack import Row, Stack, ms, p50, p95, print_table, scripted_agent  # noqa: E402

TERMINAL = {"run.succeeded", "run.failed", "run.cancelled", "run.timed_out"}
WARMUP = 5
ANSWER = "one two three four five six seven eight"
ASK = [{"role": "user", "content": "count"}]


def runs_api_once(http) -> tuple[float, float]:
    started = time.perf_counter()
    response = http.post("/api/v1/runs", json={"agent": "counter", "input": {"message": "count"}})
    response.raise_for_status()
    run_id = response.json()["id"]
    first = None
    with http.stream("GET", f"/api/v1/runs/{run_id}/stream") as stream:
        for line in stream.iter_lines():
            if not line.startswith("data:"):
                continue
            event = json.loads(line[5:])
            if event["type"] == "model.delta" and first is None:
                first = time.perf_counter()
            if event["type"] in TERMINAL:
                if event["type"] != "run.succeeded" or first is None:
                    raise RuntimeError(f"run {run_id} ended {event['type']} (deltas: {first is not None})")
                return (first - started) * 1000, (time.perf_counter() - started) * 1000
    raise RuntimeError(f"stream of {run_id} closed early")


def completions_once(http) -> tuple[float, float]:
    started, first = time.perf_counter(), None
    body = {"model": "agent:counter", "messages": ASK, "stream": True}
    with http.stream("POST", "/v1/chat/completions", json=body) as stream:
        stream.raise_for_status()
        for line in stream.iter_lines():
            if line == "data: [DONE]":
                if first is None:
                    raise RuntimeError("no content chunk")
                return (first - started) * 1000, (time.perf_counter() - started) * 1000
            if line.startswith("data:") and first is None:
                chunk = json.loads(line[5:])
                if "error" in chunk:
                    raise RuntimeError(chunk["error"])
                if chunk["choices"] and chunk["choices"][0]["delta"].get("content"):
                    first = time.perf_counter()
    raise RuntimeError("stream closed before [DONE]")


def openai_client_once(client) -> tuple[float, float]:
    started, first, text = time.perf_counter(), None, []
    for chunk in client.chat.completions.create(model="agent:counter", messages=ASK, stream=True):
        content = chunk.choices[0].delta.content if chunk.choices else None
        if content:
            first = first or time.perf_counter()
            text.append(content)
    if "".join(text) != ANSWER or first is None:
        raise RuntimeError(f"unexpected answer {''.join(text)!r}")
    return (first - started) * 1000, (time.perf_counter() - started) * 1000


def non_streamed_once(client) -> float:
    started = time.perf_counter()
    answer = client.chat.completions.create(model="agent:counter", messages=ASK)
    if answer.choices[0].message.content != ANSWER:
        raise RuntimeError(f"unexpected answer {answer.choices[0].message.content!r}")
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sample size (CI)")
    parser.add_argument("--samples", type=int, default=None, help="samples per path (default 100, quick 20)")
    parser.add_argument("--keep-services", action="store_true", help="leave the embedded services running")
    args = parser.parse_args()
    samples = args.samples or (20 if args.quick else 100)

    import httpx
    from openai import OpenAI

    with Stack(keep_services=args.keep_services) as stack:
        project, key = stack.project("bench-openai")
        scripted_agent(project, "counter", [{"text": ANSWER}])
        base = stack.server()
        stack.wait_workers([stack.platform_worker("bench-openai")])
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
            client = OpenAI(base_url=f"{base}/v1", api_key=key, max_retries=0, timeout=60)
            figures: dict[str, list[tuple[float, float]]] = {"runs": [], "v1": [], "openai": []}
            whole: list[float] = []
            for index in range(WARMUP + samples):
                measured = {"runs": runs_api_once(http), "v1": completions_once(http),
                            "openai": openai_client_once(client)}
                total = non_streamed_once(client)
                if index >= WARMUP:
                    for name, value in measured.items():
                        figures[name].append(value)
                    whole.append(total)
        base_first = p50([f for f, _ in figures["runs"]])
        rows = []
        for name, label in (("runs", "runs API: create + SSE"), ("v1", "/v1 stream (httpx)"),
                            ("openai", "/v1 stream (openai client)")):
            first = [f for f, _ in figures[name]]
            done = [d for _, d in figures[name]]
            ratio = "" if name == "runs" else f"{p50(first) / base_first:.2f}×"
            rows.append(Row(f"{label}: first token p50 / p95", f"{ms(p50(first))} / {ms(p95(first))}",
                            "" if name == "runs" else ms(base_first), ratio))
            rows.append(Row(f"{label}: whole answer p50", ms(p50(done))))
        rows.append(Row("/v1 non-streamed (openai client): whole answer p50 / p95", f"{ms(p50(whole))} / "
                        f"{ms(p95(whole))}"))
        print_table(f"First-token latency ({samples} samples per path, interleaved, 1 worker)", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
