from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run a platform worker: executes runs, ingestion and eval jobs from the Redis queues."

    def add_arguments(self, parser):
        parser.add_argument("--name", default=None)
        parser.add_argument("--queues", default="runs,default,ingest,evals")
        parser.add_argument("--burst", action="store_true", help="exit when the queues are empty")

    def handle(self, *args, name=None, queues="runs,default,ingest,evals", burst=False, **options):
        from runs.worker import run_worker

        run_worker(queues=queues.split(","), name=name, burst=burst)
