from django.core.management.base import BaseCommand

from limits.sweeper import sweep


class Command(BaseCommand):
    help = "Free concurrency slots and budget reservations of runs that ended without settling."

    def handle(self, *args, **options):
        self.stdout.write(f"freed {sweep()} slot(s)")
