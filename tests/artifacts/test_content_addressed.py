"""Content-addressed put / open / delete on both backends."""
from __future__ import annotations

import hashlib
import io

import pytest

from agent_platform import artifacts


def test_identical_bytes_are_stored_once_under_their_sha256(artifacts_backend):
    data = b"the same bytes" * 1000
    first = artifacts.put_bytes(artifacts.DOCUMENTS, data)
    second = artifacts.put_file(artifacts.DOCUMENTS, io.BytesIO(data))
    sha = hashlib.sha256(data).hexdigest()
    assert first == second == artifacts.Stored(f"documents/{sha[:2]}/{sha}", sha, len(data))
    assert list(artifacts.iter_keys(artifacts.DOCUMENTS)) == [first.key]
    assert artifacts.read_bytes(first.key) == data


def test_reads_stream_in_chunks(artifacts_backend):
    data = bytes(range(256)) * 20_000  # 5 MB: more than one chunk, past the S3 spool threshold
    stored = artifacts.put_bytes(artifacts.BLOBS, data)
    chunks = list(artifacts.iter_chunks(stored.key, chunk_bytes=1024 * 1024))
    assert len(chunks) == 5 and max(len(c) for c in chunks) == 1024 * 1024
    assert b"".join(chunks) == data


def test_delete_removes_the_object(artifacts_backend):
    stored = artifacts.put_bytes(artifacts.BLOBS, b"gone soon")
    assert artifacts.exists(stored.key)
    artifacts.delete(stored.key)
    assert not artifacts.exists(stored.key)
    assert list(artifacts.iter_keys(artifacts.BLOBS)) == []


def test_a_rewrite_after_deletion_stores_the_bytes_again(artifacts_backend):
    stored = artifacts.put_bytes(artifacts.DOCUMENTS, b"v1")
    artifacts.delete(stored.key)
    artifacts.ensure(stored, io.BytesIO(b"v1"))
    assert artifacts.read_bytes(stored.key) == b"v1"


@pytest.mark.parametrize("bad", ["../etc/passwd", "ABC", "a" * 63, "g" * 64])
def test_keys_are_hex_sha256_only(bad):
    with pytest.raises(ValueError):
        artifacts.key_for(artifacts.DOCUMENTS, bad)


def test_unknown_namespace_is_refused():
    with pytest.raises(ValueError):
        artifacts.key_for("secrets", "a" * 64)


def test_storage_settings_choose_s3_only_with_a_bucket(tmp_path):
    local = artifacts.storage_settings(tmp_path, {})
    assert local["BACKEND"].endswith("FileSystemStorage")
    assert local["OPTIONS"]["location"] == str(tmp_path / "artifacts")
    s3 = artifacts.storage_settings(tmp_path, {"PLATFORM_ARTIFACTS_S3_BUCKET": "b",
                                               "PLATFORM_ARTIFACTS_S3_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    assert s3["OPTIONS"]["bucket_name"] == "b" and s3["OPTIONS"]["addressing_style"] == "path"
    assert "access_key" not in s3["OPTIONS"] and "secret_key" not in s3["OPTIONS"]  # boto3 reads the env
