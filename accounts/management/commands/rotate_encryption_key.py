from __future__ import annotations

from django.core.management.base import BaseCommand

from accounts import services


class Command(BaseCommand):
    help = ("Re-encrypt every project secret with the current key. Rotate by setting "
            "PLATFORM_ENCRYPTION_KEY=<new>,<old>, running this, then dropping <old>.")

    def handle(self, *args, **options):
        changed = services.rotate_encryption_key()
        self.stdout.write(f"re-encrypted {changed} secret(s) with the current key")
