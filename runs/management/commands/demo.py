from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "The demo flow: seed the demo project and show how to log in."

    def handle(self, *args, **options):
        call_command("seed_demo", stdout=self.stdout)
