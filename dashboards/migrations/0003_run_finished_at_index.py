"""An index on runs_run.finished_at for the rollup pass (dashboards/rollups.py).

Every minute the scheduler's rollup pass reads the runs finished since its high-water mark
(`WHERE r.finished_at >= %(start)s`, all projects): without an index that is a scan of the whole
runs table, growing with history rather than with the last hour's runs (bench/dashboard.py
measures both). Partial (`finished_at IS NOT NULL`): queued and running runs are not indexed, and
the pass's `>=` implies the predicate. Kept here, next to the query that needs it, rather than on
the Run model. Built CONCURRENTLY (outside a transaction) so a large runs table keeps taking writes.
"""
from django.db import migrations


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("dashboards", "0002_target_rollups"),
        ("runs", "0004_blobs_to_artifacts"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS run_finished_at_rollup ON runs_run (finished_at) "
            "WHERE finished_at IS NOT NULL",
            reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS run_finished_at_rollup",
        ),
    ]
