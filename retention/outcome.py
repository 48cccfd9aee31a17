"""What one purge step did: rows deleted (or, in a dry run, that would be) per model, and the batches
given up on a lock timeout. Shared by the purge (retention/purge.py) and the collector of unreferenced
blobs and objects (retention/artifacts_gc.py)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Outcome:
    counts: Counter = field(default_factory=Counter)
    skipped_batches: int = 0

    def add(self, other: Outcome) -> None:
        self.counts.update(other.counts)
        self.skipped_batches += other.skipped_batches
