"""Run dispatch and event latency, against bare RQ and bare Redis measured in the same run.

    .venv/bin/python bench/run_latency.py [--quick] [--runs 200] [--events 2000] [--keep-services]

Starts its own Daphne, one platform worker and one bare RQ SimpleWorker on isolated embedded
services (var/bench), then:

1. Dispatch (ARCHITECTURE §7: ≤ 2× a bare RQ no-op job, p50): for each of `--runs` runs, POST
   /api/v1/runs for a one-turn scripted agent, then open its SSE stream (the client flow of the
   API) and time create_run's response → `run.started` arriving at the SSE client. Interleaved
   with it, the baseline: a bare RQ no-op job, enqueue → finished (blocking on its result
   stream), executed by a SimpleWorker in another process on the same Redis.
2. Event latency (budget p50 ≤ 2 ms, p95 ≤ 10 ms): this process opens a RunStore for a run and
   emits `--events` events carrying `{"t": time.time_ns()}` (flush per event, so each is
   INSERTed and published at once); an SSE client and a websocket client (real connections to
   Daphne, threads of this process) compute now - t. One event at a time: the next is emitted
   when both clients have the previous one. Baseline: bare Redis PUBLISH → a subscriber in
   another process. Shown too: emit + flush alone (INSERT + PUBLISH) with nobody listening.
3. Events of real scripted runs (worker → SSE client): the event's `ts` (worker clock when it
   was emitted) → arrival, for a scripted agent whose model answers after 50 ms.
"""
from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stack import Row, Stack, ms, p50, p95, print_table, scripted_agent  # noqa: E402

TERMINAL = {"run.succeeded", "run.failed", "run.cancelled", "run.timed_out"}
WARMUP = 10


def sse_events(response, timeout_s: float = 60) -> Iterator[tuple[float, float, dict | None]]:
    """(perf_counter, wall time, event or None for a comment) for each SSE message, on arrival;
    a stream still open after `timeout_s` raises (its run is stuck: idle streams send heartbeats)."""
    deadline = time.monotonic() + timeout_s
    data: list[str] = []
    for line in response.iter_lines():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{response.url} still open after {timeout_s:g} s")
        if line.startswith(":"):
            yield time.perf_counter(), time.time(), None
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())
        elif line == "" and data:
            yield time.perf_counter(), time.time(), json.loads("\n".join(data))
            data = []


def ts_seconds(ts: str) -> float:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()


# --- 1. dispatch -----------------------------------------------------------------------------------
def rq_job_ms(queue) -> float:
    started = time.perf_counter()
    job = queue.enqueue("_stack.noop", result_ttl=60)
    result = job.latest_result(timeout=10)
    elapsed = (time.perf_counter() - started) * 1000
    if result is None or result.type != result.Type.SUCCESSFUL:
        raise RuntimeError(f"baseline job {job.id} did not finish: {result}")
    return elapsed


def dispatch_once(http, agent: str) -> tuple[str, dict[str, float]]:
    """POST a run, then follow its SSE stream to the end; (run id, times relative to the create response)."""
    posted = time.perf_counter()
    response = http.post("/api/v1/runs", json={"agent": agent, "input": {"message": "hi"}})
    created = time.perf_counter()
    response.raise_for_status()
    run_id = response.json()["id"]
    figures: dict[str, float] = {"create_ms": (created - posted) * 1000}
    received: dict[str, float] = {}
    with http.stream("GET", f"/api/v1/runs/{run_id}/stream") as stream:
        for perf, wall, event in sse_events(stream):
            if event is None:
                figures.setdefault("sse_open_ms", (perf - created) * 1000)
                continue
            received[event["type"]] = wall
            if event["type"] == "run.started":
                figures["dispatch_ms"] = (perf - created) * 1000
                figures["started_ts"] = ts_seconds(event["ts"])
            if event["type"] in TERMINAL:
                if event["type"] != "run.succeeded":
                    raise RuntimeError(f"run {run_id} ended {event['type']}: {event['data']}")
                break
    figures["delivery_ms"] = (received["run.started"] - figures.pop("started_ts")) * 1000
    return run_id, figures


def worker_pickup_ms(run_ids: list[str]) -> list[float]:
    """Per run: `run.queued` event ts (API) → `run.started` event ts (worker), server clocks."""
    from runs.models import Event

    stamps: dict[str, dict[str, float]] = {}
    for run_id, type_, ts in Event.objects.filter(run_id__in=run_ids, type__in=("run.queued", "run.started")) \
            .values_list("run_id", "type", "ts"):
        stamps.setdefault(run_id, {})[type_] = ts.timestamp()
    return [(s["run.started"] - s["run.queued"]) * 1000 for s in stamps.values() if len(s) == 2]


def dispatch_section(http, queue, runs: int) -> list[Row]:
    baseline: list[float] = []
    samples: list[dict[str, float]] = []
    run_ids: list[str] = []
    for index in range(WARMUP + runs):
        job_ms = rq_job_ms(queue)
        run_id, figures = dispatch_once(http, "dispatcher")
        if index >= WARMUP:
            baseline.append(job_ms)
            samples.append(figures)
            run_ids.append(run_id)
    dispatch = [s["dispatch_ms"] for s in samples]
    ratio = p50(dispatch) / p50(baseline)

    def col(name: str) -> list[float]:
        return [s[name] for s in samples if name in s]

    pickup = worker_pickup_ms(run_ids)
    return [
        Row("dispatch p50: create_run response → run.started at SSE", ms(p50(dispatch)),
            f"RQ no-op {ms(p50(baseline))}", f"{ratio:.2f}×", "≤ 2×", ratio <= 2),
        Row("dispatch p95", ms(p95(dispatch)), f"RQ no-op {ms(p95(baseline))}",
            f"{p95(dispatch) / p95(baseline):.2f}×"),
        Row("  create_run POST round trip p50 / p95", f"{ms(p50(col('create_ms')))} / {ms(p95(col('create_ms')))}"),
        Row("  SSE stream open (after create) p50", ms(p50(col("sse_open_ms")))),
        Row("  worker: run.queued ts → run.started ts p50 / p95", f"{ms(p50(pickup))} / {ms(p95(pickup))}"),
        Row("  run.started ts → SSE client p50 / p95",
            f"{ms(p50(col('delivery_ms')))} / {ms(p95(col('delivery_ms')))}"),
    ]


# --- 2. event latency --------------------------------------------------------------------------------
class Receiver:
    """Counts events carrying `t` and records now - t (ms); wakes the publisher on each."""

    def __init__(self, name: str, cond: threading.Condition) -> None:
        self.name = name
        self.cond = cond
        self.count = 0
        self.latencies: list[float] = []
        self.error: BaseException | None = None

    def record(self, event: dict[str, Any]) -> None:
        t = event.get("data", {}).get("t")
        if t is None:
            return
        latency = (time.time_ns() - t) / 1e6
        with self.cond:
            if not event["data"].get("warmup"):
                self.latencies.append(latency)
            self.count += 1
            self.cond.notify_all()

    def fail(self, error: BaseException) -> None:
        with self.cond:
            self.error = error
            self.cond.notify_all()


def sse_receiver(base: str, key: str, run_id: str, receiver: Receiver) -> None:
    import httpx

    try:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60) as client:
            with client.stream("GET", f"/api/v1/runs/{run_id}/stream") as stream:
                for _, _, event in sse_events(stream, timeout_s=3600):
                    if event is not None:
                        receiver.record(event)
                        if event["type"] in TERMINAL:
                            return
    except BaseException as exc:  # reported to the publisher, which raises it
        receiver.fail(exc)


def ws_receiver(base: str, key: str, run_id: str, receiver: Receiver) -> None:
    from websockets.sync.client import connect

    url = base.replace("http://", "ws://") + f"/ws/runs/{run_id}/?after_seq=0"
    try:
        with connect(url, additional_headers={"Authorization": f"Bearer {key}"}, open_timeout=30) as ws:
            while True:
                event = json.loads(ws.recv(timeout=60))
                receiver.record(event)
                if event["type"] in TERMINAL:
                    return
    except BaseException as exc:  # reported to the publisher, which raises it
        receiver.fail(exc)


def running_run(project, agent) -> str:
    """A run row in `running` status that no worker executes (this process plays the worker). It
    holds a live lease in this process's name: a `running` run without one is a crashed run, which
    the worker's recovery hands back and executes (its `run.failed` then ended both clients'
    streams mid-measurement, seen as an event that "did not reach every client")."""
    from datetime import timedelta

    from django.utils import timezone

    from runs.models import Run

    version = agent.versions.order_by("-number").first()
    return Run.objects.create(project=project, kind="agent", agent=agent, agent_version=version,
                              status="running", timeout_s=3600, lease_owner="bench/latency",
                              lease_expires_at=timezone.now() + timedelta(hours=1)).pk


def publish_events(run_id: str, receivers: list[Receiver], events: int) -> None:
    """Emit warm-up then measured events, each once every client has the previous one."""
    from runs.store import RunStore

    store = RunStore(run_id)
    cond = receivers[0].cond
    for index in range(WARMUP * 2 + events):
        warmup = index < WARMUP * 2
        store.emit("model.delta", {"t": time.time_ns(), **({"warmup": True} if warmup else {})})
        store.flush()
        with cond:
            arrived = cond.wait_for(lambda i=index: all(r.count > i or r.error for r in receivers), timeout=30)
        failed = [r for r in receivers if r.error]
        if failed:
            raise RuntimeError(f"{failed[0].name} client failed") from failed[0].error
        if not arrived:
            raise TimeoutError(f"event {index} did not reach every client within 30 s: " + ", ".join(f"{r.name} has {r.count}" for r in receivers))
    store.transition("succeeded", "run.succeeded", {"output": None})


def redis_baseline(stack: Stack, messages: int) -> list[float]:
    """Bare PUBLISH → subscriber in another process; messages paced 2 ms apart."""
    import uuid

    from django.conf import settings
    from redis import Redis

    channel = f"bench-latency-{uuid.uuid4().hex[:8]}"
    child = stack.spawn(f"redis-sub-{channel}", [sys.executable, str(Path(__file__).parent / "_stack.py"),
                                                  "redis-sub", settings.REDIS_URL, channel], stdout_pipe=True)
    assert child.proc.stdout is not None
    if child.proc.stdout.readline().strip() != b"ready":
        raise RuntimeError(f"redis subscriber did not start; see {child.log}")
    client = Redis.from_url(settings.REDIS_URL)
    for _ in range(WARMUP * 2 + messages):
        client.publish(channel, str(time.time_ns()))
        time.sleep(0.002)  # isolated messages, like the ping-pong of the platform measurement
    client.publish(channel, "stop")
    latencies = [ns / 1e6 for ns in json.loads(child.proc.stdout.readline())][WARMUP * 2:]
    stack.stop(child)
    return latencies


def event_latency_section(stack: Stack, base: str, key: str, project, agent, events: int) -> list[Row]:
    baseline = redis_baseline(stack, events)
    run_id = running_run(project, agent)
    cond = threading.Condition()
    sse, ws = Receiver("SSE", cond), Receiver("websocket", cond)
    threads = [threading.Thread(target=sse_receiver, args=(base, key, run_id, sse), daemon=True),
               threading.Thread(target=ws_receiver, args=(base, key, run_id, ws), daemon=True)]
    for thread in threads:
        thread.start()
    publish_events(run_id, [sse, ws], events)
    for thread in threads:
        thread.join(timeout=30)
    rows = [Row("bare Redis PUBLISH → subscriber (other process) p50 / p95",
                f"{ms(p50(baseline))} / {ms(p95(baseline))}")]
    for receiver in (sse, ws):
        values = receiver.latencies
        rows += [
            Row(f"event latency p50: RunStore emit → {receiver.name} client", ms(p50(values)),
                f"Redis {ms(p50(baseline))}", f"{p50(values) / p50(baseline):.1f}×", "≤ 2 ms", p50(values) <= 2),
            Row(f"event latency p95: RunStore emit → {receiver.name} client", ms(p95(values)),
                f"Redis {ms(p95(baseline))}", f"{p95(values) / p95(baseline):.1f}×", "≤ 10 ms", p95(values) <= 10),
        ]
    alone = emit_without_followers(running_run(project, agent), events // 4)
    rows.append(Row("  RunStore emit + flush alone (INSERT + PUBLISH, no followers) p50 / p95",
                    f"{ms(p50(alone))} / {ms(p95(alone))}"))
    return rows


def emit_without_followers(run_id: str, events: int) -> list[float]:
    """The persistence + publish share of the latency: emit + flush durations (ms), nobody listening."""
    from runs.store import RunStore

    store = RunStore(run_id)
    durations = []
    for _ in range(WARMUP + events):
        started = time.perf_counter()
        store.emit("model.delta", {"t": time.time_ns()})
        store.flush()
        durations.append((time.perf_counter() - started) * 1000)
    store.transition("succeeded", "run.succeeded", {"output": None})
    return durations[WARMUP:]


# --- 3. events of real scripted runs ----------------------------------------------------------------
def scripted_run_events(http, runs: int) -> dict[str, list[float]]:
    latencies: dict[str, list[float]] = {}
    for _ in range(runs):
        response = http.post("/api/v1/runs", json={"agent": "streamer", "input": {"message": "hi"}})
        response.raise_for_status()
        with http.stream("GET", f"/api/v1/runs/{response.json()['id']}/stream") as stream:
            for _, wall, event in sse_events(stream):
                if event is None:
                    continue
                if event["type"] in ("model.delta", "model.completed", "run.succeeded"):
                    latencies.setdefault(event["type"], []).append((wall - ts_seconds(event["ts"])) * 1000)
                if event["type"] in TERMINAL:
                    break
    return latencies


def scripted_section(http, runs: int) -> list[Row]:
    latencies = scripted_run_events(http, runs)
    notes = {"model.delta": " (batched ≤ 20 ms by design)"}
    return [Row(f"real run: {kind} ts → SSE client p50 / p95{notes.get(kind, '')}",
                f"{ms(p50(values))} / {ms(p95(values))}") for kind, values in latencies.items()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sample sizes (CI), < 60 s")
    parser.add_argument("--runs", type=int, default=None, help="dispatch samples (default 200, quick 40)")
    parser.add_argument("--events", type=int, default=None, help="event latency samples (default 2000, quick 300)")
    parser.add_argument("--keep-services", action="store_true", help="leave the embedded services running")
    args = parser.parse_args()
    runs = args.runs or (40 if args.quick else 200)
    events = args.events or (300 if args.quick else 2000)
    scripted_runs = 10 if args.quick else 40

    import httpx

    with Stack(keep_services=args.keep_services) as stack:
        from django.conf import settings
        from redis import Redis
        from rq import Queue

        project, key = stack.project("bench-latency")
        scripted_agent(project, "dispatcher", [{"text": "ok"}])
        streamer = scripted_agent(project, "streamer", [{"delay": 0.05, "text": "one two three four five six"}])
        base = stack.server()
        queue_name = "bench-noop"
        workers = [stack.platform_worker("bench-latency"), stack.rq_worker(queue_name)]
        stack.wait_workers(workers)
        queue = Queue(queue_name, connection=Redis.from_url(settings.REDIS_URL))
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
            rows = dispatch_section(http, queue, runs)
            print_table(f"Dispatch ({runs} runs, 1 worker; interleaved with {runs} bare RQ no-op jobs)", rows)
            rows = event_latency_section(stack, base, key, project, streamer, events)
            print_table(f"Event latency ({events} events, one at a time, SSE + websocket clients)", rows)
            rows = scripted_section(http, scripted_runs)
            print_table(f"Events of real scripted runs ({scripted_runs} runs, worker clock → client clock)", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
