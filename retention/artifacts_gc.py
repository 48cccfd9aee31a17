"""Collecting what nothing references: checkpoint blobs and artifact objects.

Blobs: a `runs_blob` row older than the grace period (PLATFORM_RETENTION_BLOB_GRACE_S; a writer
touches the row when it writes the blob, before the checkpoint that references it is flushed)
that no checkpoint references (the `runs_checkpoint_blob_refs` index answers that) is deleted
with its object.

Objects: an object under `blobs/` without its row, or under `documents/` that no document
references, older than the grace period, is deleted. Both happen under the key's advisory lock
(agent_platform/artifacts.py) after checking again: a writer holding the lock is skipped, never
waited for.
"""
from __future__ import annotations

import itertools
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from agent_platform import artifacts
from evals import exports as eval_exports
from retention.outcome import Outcome

REFERENCED = ("EXISTS (SELECT 1 FROM runs_checkpoint c WHERE jsonb_path_exists(c.delta, '$.*.\"$blob\"') "
              "AND jsonb_path_query_array(c.delta, '$.*.\"$blob\"') ? b.sha256)")
UNREFERENCED_BLOBS = (f"SELECT b.sha256 FROM runs_blob b WHERE b.created_at < %s AND b.sha256 > %s "
                      f"AND NOT {REFERENCED} ORDER BY b.sha256 LIMIT %s")
DELETE_BLOBS = (f"DELETE FROM runs_blob b WHERE b.sha256 = ANY(%s) AND b.created_at < %s AND NOT {REFERENCED} "
                f"RETURNING b.sha256")


def collect(*, dry_run: bool, batch_size: int) -> Outcome:
    outcome = Outcome()
    outcome.counts.update(collect_blobs(dry_run=dry_run, batch_size=batch_size))
    outcome.counts.update(collect_orphan_objects(dry_run=dry_run, batch_size=batch_size))
    return outcome


def collect_blobs(*, dry_run: bool, batch_size: int) -> Counter:
    counts: Counter = Counter()
    cutoff = timezone.now() - timedelta(seconds=settings.RETENTION_BLOB_GRACE_S)
    after = ""
    while True:
        with connection.cursor() as cur:
            cur.execute(UNREFERENCED_BLOBS, [cutoff, after, batch_size])
            batch = [row[0] for row in cur.fetchall()]
        if not batch:
            return counts
        after = batch[-1]
        if dry_run:
            counts["runs.Blob"] += len(batch)
            counts["artifacts"] += len(batch)
            continue
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET LOCAL lock_timeout = %s", [f"{settings.RETENTION_LOCK_TIMEOUT_MS}ms"])
            free = [sha for sha in batch
                    if artifacts.try_xact_key_lock(cur, artifacts.key_for(artifacts.BLOBS, sha))]
            cur.execute(DELETE_BLOBS, [free, cutoff])
            deleted = [row[0] for row in cur.fetchall()]
            for sha in deleted:  # before commit: a writer re-creating the row waits on our lock
                artifacts.delete(artifacts.key_for(artifacts.BLOBS, sha))
        counts["runs.Blob"] += len(deleted)
        counts["artifacts"] += len(deleted)


def _referenced(namespace: str, shas: list[str]) -> set[str]:
    from rag.models import DocumentContent
    from runs.models import Blob

    if namespace == artifacts.BLOBS:
        return set(Blob.objects.filter(sha256__in=shas).values_list("sha256", flat=True))
    if namespace == artifacts.EXPORTS:
        return eval_exports.referenced(shas)
    hashes = DocumentContent.objects.filter(content_hash__in=[f"sha256:{sha}" for sha in shas])
    return {value.removeprefix("sha256:") for value in hashes.values_list("content_hash", flat=True)}


def collect_orphan_objects(*, dry_run: bool, batch_size: int) -> Counter:
    counts: Counter = Counter()
    grace = settings.RETENTION_BLOB_GRACE_S
    for namespace in artifacts.NAMESPACES:
        keys = artifacts.iter_keys(namespace)
        while batch := list(itertools.islice(keys, batch_size)):
            live = _referenced(namespace, [artifacts.sha256_of_key(key) for key in batch])
            for key in batch:
                sha = artifacts.sha256_of_key(key)
                if sha in live:
                    continue
                age = artifacts.modified_age_s(key)
                if age is None or age < grace:
                    continue
                if dry_run:
                    counts["artifacts"] += 1
                    continue
                with transaction.atomic(), connection.cursor() as cur:
                    if artifacts.try_xact_key_lock(cur, key) and not _referenced(namespace, [sha]):
                        artifacts.delete(key)
                        counts["artifacts"] += 1
    return counts
