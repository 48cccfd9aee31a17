from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import connection


class Command(BaseCommand):
    help = ("Drop the HNSW indexes of knowledge bases that no longer exist (e.g. deleted with their project). "
            "Creating a knowledge base does this too.")

    def handle(self, *args, **options):
        from rag.vector_index import prune_orphan_indexes

        with connection.cursor() as cur:
            names = prune_orphan_indexes(cur)
        self.stdout.write(f"dropped {len(names)} orphan index(es){': ' + ', '.join(names) if names else ''}")
