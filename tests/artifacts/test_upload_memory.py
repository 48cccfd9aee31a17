"""A 50 MB document upload to a real API process (Daphne) keeps that process's memory within twice
its idle size, on the filesystem and on an S3-compatible server (moto): the upload is spooled to a
temporary file by Django, hashed and written to the artifacts storage in chunks (S3: multipart),
never held whole. Memory is the kernel's own peak for the process (VmHWM), so no sampling can miss
a spike; the idle size is its resident size (VmRSS) after warm-up requests."""
from __future__ import annotations

import os
import uuid

import httpx
import pytest

from accounts import services as account_services
from agent_platform import artifacts
from rag.embedders import register_embedder, unregister_embedder
from rag.models import DocumentContent
from tests.artifacts.process_memory import memory_kb
from tests.e2e.servers import start_server
from tests.rag.factories import TEST_EMBEDDER, Hashing384, make_kb

# Daphne queues the whole body before the app reads it (~+50 MiB for 50 MB); Twisted's own parse of a
# multipart body into `request.args` (unused by Daphne) cost ~+500 MiB more until it was turned off
# (agent_platform/daphne_requests.py).
pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
SIZE = 50 * 1024 * 1024


@pytest.fixture(autouse=True)
def test_embedder():
    register_embedder(TEST_EMBEDDER, Hashing384)  # the knowledge base's model (nothing is embedded here)
    yield
    unregister_embedder(TEST_EMBEDDER)


def test_a_50_mb_upload_keeps_the_api_process_within_twice_its_idle_memory(artifacts_backend, tmp_path):
    project = account_services.create_project(slug=f"up-{uuid.uuid4().hex[:6]}")
    kb = make_kb(project)
    _, raw = account_services.create_api_key(project=project, name="upload", role="developer")
    document = tmp_path / "big.txt"
    with open(document, "wb") as handle:  # 50 MB of text lines, written in 1 MiB pieces
        line = b"Backups run hourly and are kept for thirty days; restores are tested weekly.\n"
        piece = line * (1024 * 1024 // len(line) + 1)
        written = 0
        while written < SIZE:
            chunk = piece[: SIZE - written]
            handle.write(chunk)
            written += len(chunk)
    server, base = start_server(tmp_path, **artifacts_backend.env)
    try:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {raw}"}, timeout=120) as http:
            for _ in range(3):  # warm up: imports, connections, the documents endpoint itself
                small = http.post(f"/api/v1/knowledge-bases/{kb.pk}/documents",
                                  files={"file": (f"warm-{uuid.uuid4().hex[:6]}.txt", b"warm up " + os.urandom(8).hex().encode())})
                assert small.status_code == 202, small.text
            idle = memory_kb(server.pid)
            with open(document, "rb") as handle:
                answer = http.post(f"/api/v1/knowledge-bases/{kb.pk}/documents", files={"file": ("big.txt", handle)})
            after = memory_kb(server.pid)
    finally:
        server.stop()
    assert answer.status_code == 202, answer.text
    content = DocumentContent.objects.get(document_id=answer.json()["id"])
    assert content.size == SIZE
    digest, size = artifacts.digest_file(artifacts.open_artifact(content.artifact_key))
    assert size == SIZE and content.content_hash == f"sha256:{digest}"
    print(f"{artifacts_backend.name}: idle RSS {idle['VmRSS'] / 1024:.0f} MiB, peak (VmHWM) after the upload "
          f"{after['VmHWM'] / 1024:.0f} MiB, ratio {after['VmHWM'] / idle['VmRSS']:.2f}")
    assert after["VmHWM"] <= 2 * idle["VmRSS"]
