"""The one periodic process: `python -m agent_platform.scheduler` (what `make up` starts).

It runs the jobs listed in `agent_platform.scheduler.jobs` (name, interval, dotted path) at their
intervals. Any number of replicas may run; one is active at a time:

- leadership is a Redis lease (`SET NX PX`, renewed every poll by its holder only), so a second
  replica waits and takes over within one lease period after the leader dies;
- each run of a job is claimed per (job, tick) — tick = floor(epoch seconds / interval) — by an
  atomic script that also checks the caller still holds the lease. A tick is claimed once, ever
  (the claim is the job's last tick, which only moves forward), so even a leader that paused past
  its lease and resumes cannot run a tick the new leader ran.

See `lease.py`, `runner.py` and docs/operations.md.
"""
