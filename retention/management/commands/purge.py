"""`manage.py purge [--dry-run] [--project SLUG] [--batch-size N]`: apply the retention policies now."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Project
from retention.purge import purge


class Command(BaseCommand):
    help = ("Delete what is past its retention period (docs/retention.md), in small batches; "
            "--dry-run only counts.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count what would go; change nothing")
        parser.add_argument("--project", metavar="SLUG", help="only this project (plus unreferenced blobs)")
        parser.add_argument("--batch-size", type=int, default=None, metavar="N",
                            help="rows per transaction (default PLATFORM_RETENTION_BATCH_SIZE)")

    def handle(self, *args, dry_run: bool, project: str | None, batch_size: int | None, **options) -> None:
        if batch_size is not None and not 1 <= batch_size <= 10_000:
            raise CommandError("--batch-size must be between 1 and 10000")
        target = None
        if project:
            target = Project.objects.filter(slug=project).first()
            if target is None:
                raise CommandError(f"no project {project!r}")
        results = purge(project=target, dry_run=dry_run, batch_size=batch_size, trigger="command")
        verb = "would delete" if dry_run else "deleted"
        for owner, outcome in results:
            label = owner.slug if owner is not None else "install-wide"
            counts = ", ".join(f"{name} {n}" for name, n in sorted(outcome.counts.items())) or "nothing"
            skipped = f" ({outcome.skipped_batches} batch(es) left for the next purge)" if outcome.skipped_batches else ""
            self.stdout.write(f"{label}: {verb} {counts}{skipped}")
