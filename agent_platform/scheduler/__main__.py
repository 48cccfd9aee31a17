"""`python -m agent_platform.scheduler [run|status]`: run the scheduler, or print who leads and
the last run of each job. `--job NAME=INTERVAL:DOTTED.PATH` (repeatable) replaces the registry,
for a one-off or a test; `--lease-s`, `--poll-s` and `--prefix` override the settings."""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading


def _job(value: str):
    from agent_platform.scheduler.jobs import Job

    name, sep, rest = value.partition("=")
    interval, sep2, path = rest.partition(":")
    if not (sep and sep2 and name and path and interval.isdigit() and int(interval) > 0):
        raise argparse.ArgumentTypeError(f"{value!r}: expected NAME=INTERVAL_SECONDS:DOTTED.PATH")
    return Job(name, int(interval), path)


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agent_platform.settings")
    import django

    django.setup()
    from django.conf import settings

    from agent_platform.redis_client import redis_client
    from agent_platform.scheduler.jobs import JOBS
    from agent_platform.scheduler.lease import PREFIX, Lease
    from agent_platform.scheduler.runner import Scheduler, job_status

    parser = argparse.ArgumentParser(prog="python -m agent_platform.scheduler", description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", choices=["run", "status"], default="run")
    parser.add_argument("--job", type=_job, action="append", help="NAME=INTERVAL:DOTTED.PATH (replaces the registry)")
    parser.add_argument("--lease-s", type=float, default=settings.SCHEDULER_LEASE_S)
    parser.add_argument("--poll-s", type=float, default=settings.SCHEDULER_POLL_S)
    parser.add_argument("--prefix", default=PREFIX)
    args = parser.parse_args(argv)
    if args.lease_s <= args.poll_s:
        parser.error("--lease-s must be longer than --poll-s (the leader renews its lease every poll)")
    client = redis_client()
    if args.command == "status":
        holder = Lease(client, "-", ttl_s=1, prefix=args.prefix).holder()
        print(json.dumps({"leader": holder, "jobs": job_status(client, args.prefix)}, indent=2))
        return 0
    jobs = args.job or JOBS
    from django.utils.module_loading import import_string

    for job in jobs:  # a typo in the registry fails the start, not every tick
        try:
            import_string(job.path)
        except ImportError as exc:
            print(f"scheduler: job {job.name}: cannot import {job.path}: {exc}", file=sys.stderr)
            return 2
    scheduler = Scheduler(client=client, jobs=jobs, lease_s=args.lease_s, poll_s=args.poll_s,
                          prefix=args.prefix)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    import logging

    logging.getLogger("agent_platform.scheduler").info(
        "scheduler %s: %s", scheduler.owner, ", ".join(f"{j.name} every {j.interval_s} s" for j in scheduler.jobs))
    scheduler.run(stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
