"""Master keys as configured (PLATFORM_ENCRYPTION_KEY or its key file): decoding and key ids.

Shared by accounts/crypto.py (v1 tokens) and accounts/key_provider.py (wrapping data keys), which
must not import each other.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
from functools import lru_cache


class EncryptionKeyError(Exception):
    pass


def _decode_key(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise EncryptionKeyError("PLATFORM_ENCRYPTION_KEY must be urlsafe base64 of 32 bytes") from exc
    if len(raw) != 32:
        raise EncryptionKeyError("PLATFORM_ENCRYPTION_KEY must decode to 32 bytes (AES-256)")
    return raw


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


@lru_cache(maxsize=8)
def _keyring(keys: tuple[str, ...]) -> tuple[tuple[str, bytes], ...]:
    return tuple((key_id(k), k) for k in (_decode_key(text) for text in keys))
