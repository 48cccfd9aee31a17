"""Artifacts: large bytes kept out of PostgreSQL, behind Django's storage API (`STORAGES["artifacts"]`).

Document bytes and large checkpoint payloads live here under content-addressed keys
(`<namespace>/<sha256[:2]>/<sha256>`): identical bytes are stored once, a key never changes
meaning, and a write of an existing key is skipped. The backend is the filesystem under
`var/artifacts/` by default, or any S3-compatible store (`django-storages`) when
`PLATFORM_ARTIFACTS_S3_BUCKET` is set (docs/configuration.md).

Bytes stream: `put_file` hashes an open file in chunks and hands the file to the backend, which
writes it in chunks (S3: multipart); `open_artifact` returns a file read in chunks (S3: spooled
to a temporary file past `SPOOL_BYTES`). No whole file has to be in memory.

Who may delete an object: an object is live while a database row references it. Writers and
the collector (retention/artifacts_gc.py) serialise on a PostgreSQL advisory lock per key
(`key_lock` / `xact_key_lock`): a writer ensures the object exists and commits its row while it
holds the lock; the collector, holding the same lock, checks that no row references the key
before deleting. So an object a committed row references is never deleted, and an object
deleted in between is written again by the writer.

This module reads no settings at import: `storage_settings()` is called from settings.
"""
from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

ALIAS = "artifacts"
CHUNK_BYTES = 1024 * 1024
SPOOL_BYTES = 2_621_440  # S3 reads spill to a temporary file past this (Django's upload threshold)
# Advisory locks of artifact keys use the two-int form with this class id: their own key space.
LOCK_CLASS = 0x41524946  # "ARIF"

DOCUMENTS = "documents"
BLOBS = "blobs"
EXPORTS = "exports"  # eval reports rendered as JUnit XML / Markdown / JSON (evals/exports.py)
NAMESPACES = (DOCUMENTS, BLOBS, EXPORTS)


@dataclass(frozen=True)
class Stored:
    """An object written (or found) under its content address."""

    key: str
    sha256: str
    size: int


# --- configuration (called once from settings) -----------------------------------------------------------
def storage_settings(var_dir: Path, environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The `STORAGES["artifacts"]` entry: S3 when `PLATFORM_ARTIFACTS_S3_BUCKET` is set, else the filesystem
    under `PLATFORM_ARTIFACTS_DIR` (default `<var>/artifacts`). S3 credentials come from the usual AWS
    variables (`AWS_ACCESS_KEY_ID`, ...), read by boto3 itself, never copied into settings."""
    env = os.environ if environ is None else environ
    bucket = env.get("PLATFORM_ARTIFACTS_S3_BUCKET", "")
    if not bucket:
        location = env.get("PLATFORM_ARTIFACTS_DIR") or str(var_dir / "artifacts")
        return {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": location, "allow_overwrite": True, "file_permissions_mode": 0o600,
                            "directory_permissions_mode": 0o700}}
    from boto3.s3.transfer import TransferConfig

    options: dict[str, Any] = {
        "bucket_name": bucket,
        "location": env.get("PLATFORM_ARTIFACTS_S3_PREFIX", ""),
        "region_name": env.get("PLATFORM_ARTIFACTS_S3_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        "file_overwrite": True,  # content-addressed: the same key is the same bytes
        "default_acl": None,
        "querystring_auth": True,
        "max_memory_size": SPOOL_BYTES,
        # Multipart in 8 MiB parts, two at a time: an upload holds ~16 MiB of it in memory at most.
        "transfer_config": TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024,
                                          max_concurrency=2),
    }
    if env.get("PLATFORM_ARTIFACTS_S3_ENDPOINT_URL"):
        options["endpoint_url"] = env["PLATFORM_ARTIFACTS_S3_ENDPOINT_URL"]
        options["addressing_style"] = env.get("PLATFORM_ARTIFACTS_S3_ADDRESSING_STYLE", "path")
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


def storage():
    from django.core.files.storage import storages

    return storages[ALIAS]


# --- keys ------------------------------------------------------------------------------------------------
def key_for(namespace: str, sha256: str) -> str:
    if namespace not in NAMESPACES:
        raise ValueError(f"unknown artifact namespace {namespace!r}")
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("an artifact key is a lowercase hex sha256")
    return f"{namespace}/{sha256[:2]}/{sha256}"


def sha256_of_key(key: str) -> str:
    return key.rsplit("/", 1)[-1]


def digest_file(fileobj: IO[bytes]) -> tuple[str, int]:
    """(sha256 hex, size) of an open binary file, read in chunks from its start."""
    fileobj.seek(0)
    digest, size = hashlib.sha256(), 0
    while chunk := fileobj.read(CHUNK_BYTES):
        digest.update(chunk)
        size += len(chunk)
    fileobj.seek(0)
    return digest.hexdigest(), size


# --- writing ---------------------------------------------------------------------------------------------
def put_file(namespace: str, fileobj: IO[bytes]) -> Stored:
    """Store an open binary file under its content address (skipped if the object exists)."""
    sha, size = digest_file(fileobj)
    stored = Stored(key_for(namespace, sha), sha, size)
    ensure(stored, fileobj)
    return stored


def put_bytes(namespace: str, data: bytes) -> Stored:
    return put_file(namespace, io.BytesIO(data))


def ensure(stored: Stored, fileobj: IO[bytes]) -> None:
    """Write `fileobj` under `stored.key` unless the object is there."""
    backend = storage()
    if backend.exists(stored.key):
        return
    from django.core.files import File

    fileobj.seek(0)
    name = backend.save(stored.key, File(fileobj, name=sha256_of_key(stored.key)))
    if name != stored.key:  # the backend renamed it: misconfigured (overwrite disabled)
        backend.delete(name)
        raise RuntimeError(f"the artifacts storage stored {stored.key} as {name}: enable overwriting")


# --- reading and deleting -------------------------------------------------------------------------------
def open_artifact(key: str):
    """A binary file object of the object, read in chunks (`with open_artifact(k) as f: f.read(n)`)."""
    return storage().open(key, "rb")


def read_bytes(key: str) -> bytes:
    with open_artifact(key) as handle:
        return handle.read()


def iter_chunks(key: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
    with open_artifact(key) as handle:
        while chunk := handle.read(chunk_bytes):
            yield chunk


def exists(key: str) -> bool:
    return storage().exists(key)


def delete(key: str) -> None:
    storage().delete(key)


def iter_keys(namespace: str) -> Iterator[str]:
    """Every object key under a namespace (two directory levels: `<ns>/<xx>/<sha>`)."""
    backend = storage()
    try:
        prefixes, _ = backend.listdir(namespace)
    except FileNotFoundError:
        return
    for prefix in sorted(prefixes):
        _, names = backend.listdir(f"{namespace}/{prefix}")
        for name in sorted(names):
            yield f"{namespace}/{prefix}/{name}"


def modified_age_s(key: str) -> float | None:
    """Seconds since the object was written, or None if it is gone."""
    from django.utils import timezone

    try:
        modified = storage().get_modified_time(key)
    except (FileNotFoundError, OSError):
        return None
    if timezone.is_naive(modified):
        modified = timezone.make_aware(modified, timezone.get_current_timezone())
    return (timezone.now() - modified).total_seconds()


# --- the key lock ---------------------------------------------------------------------------------------
@contextmanager
def key_lock(cursor, key: str) -> Iterator[None]:
    """Hold the session advisory lock of `key` on a cursor's connection (autocommit writers)."""
    cursor.execute("SELECT pg_advisory_lock(%s::int, hashtext(%s))", (LOCK_CLASS, key))
    try:
        yield
    finally:
        cursor.execute("SELECT pg_advisory_unlock(%s::int, hashtext(%s))", (LOCK_CLASS, key))


def xact_key_lock(cursor, key: str) -> None:
    """Take the advisory lock of `key` until the current transaction ends."""
    cursor.execute("SELECT pg_advisory_xact_lock(%s::int, hashtext(%s))", (LOCK_CLASS, key))


def try_xact_key_lock(cursor, key: str) -> bool:
    """Take the lock of `key` until the transaction ends, unless a writer holds it (then False)."""
    cursor.execute("SELECT pg_try_advisory_xact_lock(%s::int, hashtext(%s))", (LOCK_CLASS, key))
    return bool(cursor.fetchone()[0])
