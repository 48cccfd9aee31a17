"""`python -m runs.supervisor --workers N`: keep N platform workers running.

A small process without Django (what `make up` starts): it spawns the workers in its own process
group, restarts one that exits for any reason other than a stop (with a growing delay if it keeps
dying: 1 s doubling to 30 s, reset after a minute of good health), and on SIGTERM/SIGINT stops
them (TERM, then KILL after a grace period) and exits. Each worker logs to `<log dir>/worker-<i>.log`
and has its pid in `<pid dir>/worker-<i>.pid`.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRACE_S = 15.0
HEALTHY_AFTER_S = 60.0


class Slot:
    """One worker position: its process and its restart backoff."""

    def __init__(self, index: int, argv: list[str], log_dir: Path, pid_dir: Path) -> None:
        self.index, self.argv, self.log_dir, self.pid_dir = index, argv, log_dir, pid_dir
        self.proc: subprocess.Popen | None = None
        self.started = 0.0
        self.delay = 0.5
        self.restart_at = 0.0

    @property
    def name(self) -> str:
        return f"worker-{self.index}"

    def start(self) -> None:
        with open(self.log_dir / f"{self.name}.log", "ab") as log:
            self.proc = subprocess.Popen([*self.argv, "--name", self.name], cwd=ROOT, stdout=log,
                                         stderr=subprocess.STDOUT)
        self.started = time.monotonic()
        (self.pid_dir / f"{self.name}.pid").write_text(str(self.proc.pid))

    def check(self, now: float) -> None:
        """Restart the worker if it exited (after its backoff delay)."""
        if self.proc is not None and self.proc.poll() is None:
            return
        if self.proc is not None:
            code = self.proc.returncode
            healthy = now - self.started > HEALTHY_AFTER_S
            self.delay = 1.0 if healthy else min(30.0, self.delay * 2)
            self.restart_at = now + self.delay
            _log(f"{self.name} (pid {self.proc.pid}) exited with {code}; restarting in {self.delay:.1f} s")
            self.proc = None
        if now >= self.restart_at:
            self.start()
            _log(f"{self.name} started (pid {self.proc.pid})")

    def terminate(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()


def _log(message: str) -> None:
    print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} supervisor: {message}", flush=True)


def supervise(*, workers: int, worker_argv: list[str], log_dir: Path, pid_dir: Path) -> int:
    log_dir.mkdir(parents=True, exist_ok=True)
    pid_dir.mkdir(parents=True, exist_ok=True)
    slots = [Slot(index, worker_argv, log_dir, pid_dir) for index in range(workers)]
    stopping = False

    def stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    _log(f"supervising {workers} worker(s)")
    while not stopping:
        now = time.monotonic()
        for slot in slots:
            slot.check(now)
        time.sleep(0.2)  # polling child processes; SIGCHLD would interrupt the workers' own waits
    for slot in slots:
        slot.terminate()
    deadline = time.monotonic() + GRACE_S
    for slot in slots:
        if slot.proc is None:
            continue
        try:
            slot.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            slot.proc.kill()
            slot.proc.wait()
        (pid_dir / f"{slot.name}.pid").unlink(missing_ok=True)
    _log("stopped")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=int(os.environ.get("PLATFORM_WORKERS", "2")))
    parser.add_argument("--queues", default="runs,default,ingest,evals")
    parser.add_argument("--log-dir", type=Path, default=ROOT / "var" / "log")
    parser.add_argument("--pid-dir", type=Path, default=ROOT / "var" / "run")
    args = parser.parse_args(argv)
    worker_argv = [sys.executable, str(ROOT / "manage.py"), "platform_worker", "--queues", args.queues]
    return supervise(workers=args.workers, worker_argv=worker_argv, log_dir=args.log_dir, pid_dir=args.pid_dir)


if __name__ == "__main__":
    sys.exit(main())
