"""`manage.py rollup_runs [--rebuild]`: one pass of the hourly run rollups (what the scheduler runs)."""
from __future__ import annotations

from django.core.management.base import BaseCommand

from dashboards.rollups import rollup_runs


class Command(BaseCommand):
    help = "Fill the dashboards' hourly rollups from the runs finished since the last pass."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--rebuild", action="store_true",
                            help="recompute every hour from the raw runs, not only the open window")

    def handle(self, *args, rebuild: bool = False, **options) -> None:
        done = rollup_runs(rebuild=rebuild)
        self.stdout.write(f"rolled up runs finished since {done.window_start.isoformat()}: {done.run_rows} run rows, "
                          f"{done.model_rows} model rows in {done.duration_ms:.1f} ms; "
                          f"high-water mark {done.high_water.isoformat()}")
