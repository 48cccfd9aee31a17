"""The scheduler (agent_platform/scheduler): one leader across instances, each (job, tick) run once,
failover when the leader dies, a clean stop. Real Redis; real processes for the race and the kill."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings

from agent_platform.redis_client import redis_client
from agent_platform.scheduler.jobs import JOBS, Job
from agent_platform.scheduler.lease import Lease
from agent_platform.scheduler.runner import Scheduler, job_status

ROOT = Path(__file__).resolve().parents[2]
RECORD = "tests.platform.test_scheduler.record_tick"
FAIL = "tests.platform.test_scheduler.fail_tick"


def record_tick(*, now: datetime) -> None:
    """The test job: append (pid, scheduled time) to the list named by SCHEDULER_TEST_KEY."""
    key = os.environ.get("SCHEDULER_TEST_KEY", "scheduler-test:ticks")
    redis_client().rpush(key, json.dumps({"pid": os.getpid(), "now": now.isoformat()}))


def fail_tick(*, now: datetime) -> None:
    raise RuntimeError(f"boom at {now.isoformat()}")


@pytest.fixture
def prefix():
    name = f"scheduler-test-{uuid.uuid4().hex[:8]}"
    yield name
    client = redis_client()
    for key in client.scan_iter(f"{name}*"):
        client.delete(key)


@pytest.fixture
def ticks_key(monkeypatch, prefix):
    key = f"{prefix}:ticks"
    monkeypatch.setenv("SCHEDULER_TEST_KEY", key)
    return key


def recorded(key: str) -> list[dict]:
    return [json.loads(item) for item in redis_client().lrange(key, 0, -1)]


def test_registry_names_are_unique_and_importable():
    from django.utils.module_loading import import_string

    assert len({job.name for job in JOBS}) == len(JOBS)
    for job in JOBS:
        assert job.interval_s > 0
        assert callable(import_string(job.path))


def test_two_instances_racing_run_each_tick_once(prefix, ticks_key):
    jobs = [Job("ticks", 60, RECORD)]
    a, b = (Scheduler(client=redis_client(), jobs=jobs, prefix=prefix, owner=name) for name in ("a", "b"))
    base = 1_800_000_000 // 60 * 60  # a minute boundary
    barrier = threading.Barrier(2)
    started: dict[str, list] = {"a": [], "b": []}

    def drive(scheduler: Scheduler) -> None:
        for minute in range(5):
            for second in (0.0, 1.0, 30.0, 59.5):  # several polls inside each minute
                barrier.wait(timeout=10)
                started[scheduler.owner] += scheduler.step(base + minute * 60 + second)
        assert scheduler.wait_idle(10)

    threads = [threading.Thread(target=drive, args=(s,)) for s in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    runs = recorded(ticks_key)
    assert sorted(item["now"] for item in runs) == [
        datetime.fromtimestamp(base + minute * 60, UTC).isoformat() for minute in range(5)]
    assert sorted(started["a"] + started["b"]) == [("ticks", base // 60 + m) for m in range(5)]
    assert not (started["a"] and started["b"])  # one leader did all of it
    assert job_status(redis_client(), prefix)["ticks"]["ok"] is True


def test_a_leader_that_lost_its_lease_cannot_claim_a_tick(prefix):
    client = redis_client()
    old = Lease(client, "old", ttl_s=30, prefix=prefix)
    assert old.acquire_or_renew()
    assert old.claim_tick("job", 10) == 1
    assert old.claim_tick("job", 10) == 0  # a tick is claimed once
    client.delete(old.key)  # its lease expired (a long pause) and another instance took over
    new = Lease(client, "new", ttl_s=30, prefix=prefix)
    assert new.acquire_or_renew()
    assert not old.acquire_or_renew()  # it cannot renew the new holder's lease
    assert old.claim_tick("job", 11) == -1
    assert new.claim_tick("job", 9) == 0  # ticks only move forward
    assert new.claim_tick("job", 11) == 1
    old.release()  # releasing someone else's lease is a no-op
    assert new.holder() == "new"


def test_a_failing_job_is_recorded_and_runs_again_next_tick(prefix):
    scheduler = Scheduler(client=redis_client(), jobs=[Job("fails", 60, FAIL)], prefix=prefix, owner="x")
    base = 1_800_000_000 // 60 * 60
    assert scheduler.step(base) == [("fails", base // 60)]
    assert scheduler.wait_idle(10)
    status = job_status(redis_client(), prefix)["fails"]
    assert status["ok"] is False and status["error"].startswith("RuntimeError: boom")
    assert scheduler.step(base + 60) == [("fails", base // 60 + 1)]
    assert scheduler.wait_idle(10)


SLOW_ENTERED, SLOW_RELEASE = threading.Event(), threading.Event()


def slow_tick(*, now: datetime) -> None:
    SLOW_ENTERED.set()
    SLOW_RELEASE.wait(10)


def test_a_job_still_running_skips_its_next_tick(prefix):
    SLOW_ENTERED.clear()
    SLOW_RELEASE.clear()
    scheduler = Scheduler(client=redis_client(), jobs=[Job("slow", 60, "tests.platform.test_scheduler.slow_tick")],
                          prefix=prefix, owner="x")
    base = 1_800_000_000 // 60 * 60
    try:
        assert scheduler.step(base) == [("slow", base // 60)]
        assert SLOW_ENTERED.wait(10)
        assert scheduler.step(base + 60) == []  # still running: the tick is not claimed
        SLOW_RELEASE.set()
        assert scheduler.wait_idle(10)
        assert scheduler.step(base + 61) == [("slow", base // 60 + 1)]
        assert scheduler.wait_idle(10)
    finally:
        SLOW_RELEASE.set()


def _start(prefix: str, key: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "SCHEDULER_TEST_KEY": key, "DJANGO_SETTINGS_MODULE": "agent_platform.settings",
           "REDIS_URL": settings.REDIS_URL, "LOG_FORMAT": "plain"}  # this test session's Redis db
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "agent_platform.scheduler", "--job", f"ticks=1:{RECORD}",
                                 "--prefix", prefix, "--lease-s", "1.5", "--poll-s", "0.1"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait_for(condition, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)  # polling another process's writes to Redis; there is nothing to wait on
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_two_processes_one_leader_failover_and_clean_stop(prefix, ticks_key, tmp_path):
    client = redis_client()
    procs = [_start(prefix, ticks_key, tmp_path / f"scheduler-{i}.log") for i in range(2)]
    try:
        _wait_for(lambda: len(recorded(ticks_key)) >= 4, 60, "four ticks")
        runs = recorded(ticks_key)
        ticks = [item["now"] for item in runs]
        assert len(ticks) == len(set(ticks)), runs  # no tick ran twice
        leader_pid = runs[0]["pid"]
        assert {item["pid"] for item in runs} == {leader_pid}
        leader = next(p for p in procs if p.pid == leader_pid)
        follower = next(p for p in procs if p.pid != leader_pid)
        leader.send_signal(signal.SIGKILL)
        leader.wait(10)
        _wait_for(lambda: any(item["pid"] == follower.pid for item in recorded(ticks_key)), 30,
                  "the follower to take over")
        runs = recorded(ticks_key)
        ticks = [item["now"] for item in runs]
        assert len(ticks) == len(set(ticks)), runs
        follower.send_signal(signal.SIGTERM)
        assert follower.wait(20) == 0
        assert client.get(f"{prefix}:leader") is None  # released on a clean stop
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)


def test_cli_refuses_a_bad_job_spec_and_an_unimportable_job(capsys):
    from agent_platform.scheduler.__main__ import main

    with pytest.raises(SystemExit) as exit_info:
        main(["--job", "nope"])
    assert exit_info.value.code == 2 and "NAME=INTERVAL_SECONDS:DOTTED.PATH" in capsys.readouterr().err
    assert main(["--job", "x=60:no.such.module.fn"]) == 2
    assert "cannot import no.such.module.fn" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--lease-s", "1", "--poll-s", "2"])
    assert "--lease-s must be longer than --poll-s" in capsys.readouterr().err


def test_cli_status_names_the_leader_and_the_last_runs(prefix, capsys):
    from agent_platform.scheduler.__main__ import main

    scheduler = Scheduler(client=redis_client(), jobs=[Job("fails", 60, FAIL)], prefix=prefix, owner="leader-1")
    scheduler.step(1_800_000_000)
    assert scheduler.wait_idle(10)
    assert main(["status", "--prefix", prefix]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["leader"] == "leader-1" and status["jobs"]["fails"]["ok"] is False
