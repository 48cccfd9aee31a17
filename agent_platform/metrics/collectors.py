"""Gauges computed at scrape time, from the shared stores (so they are right whatever host asks):

- `platform_queue_depth{queue}` and `platform_queue_oldest_age_seconds{queue}`: the RQ queues in Redis;
- `platform_runs_in_progress{project,status}` and `platform_runs_oldest_queued_age_seconds{project}`:
  runs queued, running or waiting, from PostgreSQL (the status index);
- `platform_rollup_lag_seconds`: how far the dashboards' rollups are behind;
- `platform_metrics_source_up{source}`: 0 when Redis or PostgreSQL could not be read for this scrape.
"""
from __future__ import annotations

import logging
from datetime import UTC, datetime

import django_rq
import redis
from django.conf import settings
from django.db import DatabaseError, connection
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

_IN_PROGRESS_SQL = """
SELECT p.slug, r.status, count(*), min(r.created_at) FILTER (WHERE r.status = 'queued')
FROM runs_run r JOIN accounts_project p ON p.id = r.project_id
WHERE r.status IN ('queued', 'running', 'waiting')
GROUP BY p.slug, r.status
"""


class StateCollector(Collector):
    def collect(self):
        now = datetime.now(UTC)
        up = GaugeMetricFamily("platform_metrics_source_up", "Whether this scrape could read the source.",
                               labels=["source"])
        yield from self._queues(now, up)
        yield from self._runs(now, up)
        yield up

    def _queues(self, now: datetime, up: GaugeMetricFamily):
        depth = GaugeMetricFamily("platform_queue_depth", "Jobs waiting in an RQ queue.", labels=["queue"])
        age = GaugeMetricFamily("platform_queue_oldest_age_seconds",
                                "Age of the oldest job waiting in an RQ queue (0 when empty).", labels=["queue"])
        try:
            for name in settings.RQ_QUEUES:
                queue = django_rq.get_queue(name)
                depth.add_metric([name], queue.count)
                oldest = queue.get_job_ids(0, 0)
                job = queue.fetch_job(oldest[0]) if oldest else None
                enqueued = job.enqueued_at if job is not None else None
                if enqueued is not None and enqueued.tzinfo is None:
                    enqueued = enqueued.replace(tzinfo=UTC)
                age.add_metric([name], max(0.0, (now - enqueued).total_seconds()) if enqueued else 0.0)
        except (redis.RedisError, OSError) as exc:
            logger.warning("metrics: RQ queues unreadable: %s", type(exc).__name__)
            up.add_metric(["redis"], 0)
            return
        up.add_metric(["redis"], 1)
        yield depth
        yield age

    def _runs(self, now: datetime, up: GaugeMetricFamily):
        active = GaugeMetricFamily("platform_runs_in_progress", "Runs queued, running or waiting.",
                                   labels=["project", "status"])
        oldest = GaugeMetricFamily("platform_runs_oldest_queued_age_seconds",
                                   "Age of the project's oldest queued run.", labels=["project"])
        lag = GaugeMetricFamily("platform_rollup_lag_seconds",
                                "Seconds since the dashboards' rollups last caught up (absent before the first pass).")
        try:
            with connection.cursor() as cursor:
                cursor.execute(_IN_PROGRESS_SQL)
                rows = cursor.fetchall()
                cursor.execute("SELECT high_water FROM dashboards_rollupstate WHERE name = 'runs'")
                mark = cursor.fetchone()
        except DatabaseError as exc:
            logger.warning("metrics: runs unreadable: %s", type(exc).__name__)
            up.add_metric(["postgres"], 0)
            return
        up.add_metric(["postgres"], 1)
        for slug, status, count, first_queued in rows:
            active.add_metric([slug, status], count)
            if first_queued is not None:
                oldest.add_metric([slug], max(0.0, (now - first_queued).total_seconds()))
        yield active
        yield oldest
        if mark:
            lag.add_metric([], max(0.0, (now - mark[0]).total_seconds()))
            yield lag
