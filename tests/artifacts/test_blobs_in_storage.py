"""Large checkpoint payloads are objects in the artifacts storage, referenced by content hash."""
from __future__ import annotations

import hashlib
import json

import pytest
from django.db import connection

from agent_platform import artifacts
from runs.models import Blob, Checkpoint
from runs.store import RunStore
from tests.retention.seed import make_run

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_large_value_becomes_one_object_and_is_resolved_on_load(artifacts_backend, project):
    run = make_run(project, status="running")
    store = RunStore(run.pk)
    big = {"rows": ["x" * 100 for _ in range(1000)]}  # ~100 KB of JSON
    store.append_checkpoint(run.pk, "turn:1", {"kind": "tool", "result": big})
    store.append_checkpoint(run.pk, "turn:2", {"kind": "tool", "result": big, "small": 1})
    text = json.dumps(big, separators=(",", ":"), sort_keys=True).encode()
    sha = hashlib.sha256(text).hexdigest()
    assert [c.delta["result"] for c in Checkpoint.objects.filter(run=run).order_by("idx")] == [{"$blob": sha}] * 2
    blob = Blob.objects.get()
    assert (blob.sha256, blob.size) == (sha, len(text))
    assert artifacts.read_bytes(artifacts.key_for(artifacts.BLOBS, sha)) == text
    assert store.load_checkpoints(run.pk)[1] == {"kind": "tool", "result": big, "small": 1}
    with connection.cursor() as cur:
        cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'runs_blob'")
        assert {row[0] for row in cur.fetchall()} == {"sha256", "size", "created_at"}  # no bytes in PostgreSQL
