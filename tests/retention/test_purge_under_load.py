"""A purge in batches while 20 runs execute on real workers: none fails, nobody waits on a lock
for a second, and the old rows are gone, except held runs and the runs of a held project; blobs
referenced by kept checkpoints survive and the rest go (rows and objects); the counts are in the
audit log; a dry run first changes nothing. Lock waits are measured from `pg_locks.waitstart`,
sampled every 10 ms on a connection of its own for the whole purge."""
from __future__ import annotations

import threading
import time
import uuid

import httpx
import psycopg
import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from accounts import services as account_services
from agent_platform import artifacts
from retention.models import Purge, RetentionPolicy, RunHold
from retention.purge import purge
from runs.models import TERMINAL, Blob, Event, Run
from tests.e2e.servers import start_server, start_worker, wait_until
from tests.retention.seed import big_value, checkpoint_with_blob, make_run, seed_runs
from tests.runs.factories import scripted_agent

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WORKERS, LIVE_RUNS, OLD_RUNS, BATCH = 4, 20, 4000, 200
LOCK_WAITS = ("SELECT coalesce(max(extract(epoch FROM clock_timestamp() - waitstart)), 0), count(*) "
              "FROM pg_locks WHERE NOT granted AND waitstart IS NOT NULL")


class LockWaitSampler(threading.Thread):
    def __init__(self, params: dict) -> None:
        super().__init__(daemon=True)
        self.params, self.stop, self.longest_s, self.samples, self.waiting_seen = params, threading.Event(), 0.0, 0, 0
        self.running_max = 0

    def run(self) -> None:
        with psycopg.connect(**self.params, autocommit=True) as conn:
            while not self.stop.is_set():
                longest, waiting = conn.execute(LOCK_WAITS).fetchone()
                running = conn.execute("SELECT count(*) FROM runs_run WHERE status = 'running'").fetchone()[0]
                self.longest_s = max(self.longest_s, float(longest))
                self.waiting_seen += int(waiting)
                self.running_max = max(self.running_max, int(running))
                self.samples += 1
                self.stop.wait(0.01)


@pytest.fixture
def workers(django_db_setup, tmp_path):
    server, base = start_server(tmp_path)
    procs = [start_worker(tmp_path, f"ret-{uuid.uuid4().hex[:6]}") for _ in range(WORKERS)]
    yield base
    for proc in procs:
        proc.stop()
    server.stop()


def connection_params() -> dict:
    from django.db import connection

    params = connection.get_connection_params()
    for name in ("cursor_factory", "context", "server_side_binding", "prepare_threshold"):
        params.pop(name, None)
    return params


def test_purging_in_batches_while_twenty_runs_execute(workers):
    project = account_services.create_project(slug=f"ret-{uuid.uuid4().hex[:6]}")
    RetentionPolicy.objects.create(project=project, runs_days=30)
    old = seed_runs(project, OLD_RUNS, age_days=40)
    held = make_run(project, age_days=40)  # a legal hold on one run
    RunHold.objects.create(run=held, project=project, reason="case 42")
    held_project = account_services.create_project(slug=f"held-{uuid.uuid4().hex[:6]}")
    RetentionPolicy.objects.create(project=held_project, runs_days=30, legal_hold=True, legal_hold_reason="audit")
    held_project_runs = seed_runs(held_project, 5, age_days=40)
    kept_run, blob_run = make_run(project, age_days=5), make_run(project, age_days=40)
    kept_sha = checkpoint_with_blob(kept_run, big_value("kept"), age_days=40)  # past grace, but referenced
    gone_sha = checkpoint_with_blob(blob_run, big_value("gone"), age_days=40)
    blob_keys = {sha: artifacts.key_for(artifacts.BLOBS, sha) for sha in (kept_sha, gone_sha)}
    assert all(artifacts.exists(key) for key in blob_keys.values())
    # A dry run (as `manage.py purge --dry-run`) counts what would go and changes nothing.
    total_before, audit_before = Run.objects.count(), LogEntry.objects.count()
    [(_, would), _] = purge(project=project, batch_size=BATCH, dry_run=True)
    assert would.counts["runs.Run"] == OLD_RUNS + 1 and would.counts["runs.Event"] == OLD_RUNS * 4
    assert Run.objects.count() == total_before and not Purge.objects.exists()
    assert LogEntry.objects.count() == audit_before
    assert Blob.objects.filter(sha256=gone_sha).exists() and artifacts.exists(blob_keys[gone_sha])

    turns = [{"delay": 0.4, "tool_calls": [{"name": "kv", "arguments": {"op": "set", "key": f"k{i}", "value": i}}]}
             for i in range(8)]
    scripted_agent(project, name="busy", tools=["kv"], script=[*turns, {"text": "done"}], limits={"max_steps": 20})
    _, key = account_services.create_api_key(project=project, name="load", role="owner")
    with httpx.Client(base_url=workers, headers={"Authorization": f"Bearer {key}"}, timeout=30) as http:
        live = [http.post("/api/v1/runs", json={"agent": "busy", "input": {"message": str(i)}}).json()["id"]
                for i in range(LIVE_RUNS)]
    wait_until(lambda: Run.objects.filter(pk__in=live, status="running").count() >= WORKERS, timeout_s=60,
               what="every worker to be executing a run")
    sampler = LockWaitSampler(connection_params())
    sampler.start()
    started = time.monotonic()
    try:
        results = purge(batch_size=BATCH)  # every project with a policy (the held one too), then blobs
    finally:
        purge_s = time.monotonic() - started
        sampler.stop.set()
        sampler.join(timeout=10)
    unfinished_at_end = Run.objects.filter(pk__in=live).exclude(status__in=TERMINAL).count()
    wait_until(lambda: not Run.objects.filter(pk__in=live).exclude(status__in=TERMINAL).exists(), timeout_s=120,
               what="the live runs to finish")

    print(f"purge {purge_s:.2f} s, {sampler.samples} lock samples, longest lock wait {sampler.longest_s * 1000:.1f} ms, "
          f"{sampler.running_max} runs running at once, {unfinished_at_end} live runs unfinished when it ended")
    assert unfinished_at_end > 0, "the purge must overlap the live runs"
    assert sampler.samples >= 5 and sampler.running_max >= WORKERS
    assert sampler.longest_s < 1.0
    statuses = dict(Run.objects.filter(pk__in=live).values_list("status").annotate().values_list("pk", "status"))
    assert set(statuses.values()) == {"succeeded"}, statuses
    for run_id in live:  # every live run's event log is whole: seq 1..n without gaps, one terminal event
        seqs = list(Event.objects.filter(run_id=run_id).order_by("seq").values_list("seq", flat=True))
        assert seqs == list(range(1, len(seqs) + 1))
        assert Event.objects.filter(run_id=run_id, type="run.succeeded").count() == 1
    assert not Run.objects.filter(pk__in=[*old, blob_run.pk]).exists()
    assert Run.objects.filter(pk=held.pk).exists() and Run.objects.filter(pk=kept_run.pk).exists()
    assert Run.objects.filter(pk__in=held_project_runs).count() == len(held_project_runs)
    counts = dict(results)[project].counts
    assert counts["runs.Run"] == OLD_RUNS + 1 and counts["runs.Event"] == OLD_RUNS * 4
    assert held_project not in dict(results)  # a held project: nothing purged, nothing recorded
    # Blobs: the kept checkpoint's survives (row and object), the purged run's is gone with its object.
    assert Blob.objects.filter(sha256=kept_sha).exists() and artifacts.exists(blob_keys[kept_sha])
    assert not Blob.objects.filter(sha256=gone_sha).exists() and not artifacts.exists(blob_keys[gone_sha])
    assert dict(results)[None].counts["runs.Blob"] >= 1
    # The counts are in the audit log: one Purge record per project, logged on creation.
    record = Purge.objects.get(project=project)
    assert record.counts["runs.Run"] == OLD_RUNS + 1 and record.skipped_batches == 0
    entry = LogEntry.objects.get(content_type=ContentType.objects.get_for_model(Purge), object_pk=str(record.pk))
    assert entry.action == LogEntry.Action.CREATE and "runs.Run" in str(entry.changes)
