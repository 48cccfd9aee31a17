"""Where the master key lives: a `KeyProvider` wraps and unwraps the per-project data keys
(envelope encryption, see accounts/data_keys.py); secrets are encrypted with the data keys.

The platform ships `LocalKeyProvider`: master keys from `PLATFORM_ENCRYPTION_KEY` (comma-separated)
or the file `PLATFORM_ENCRYPTION_KEY_FILE` (one key per line, `#` comments), else the generated
`var/encryption_key`; the first is current, the others still unwrap during a rotation. A KMS or
Vault transit key plugs in as a class named by `PLATFORM_KEY_PROVIDER=package.module:Class` that
implements the three methods below (it is constructed with no arguments and reads its own
configuration); the master key then never leaves the KMS — only data keys are wrapped by it.
"""
from __future__ import annotations

import base64
import importlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings


class KeyProviderError(Exception):
    pass


class KeyProvider(Protocol):
    def current_key_id(self) -> str:
        """The id of the master key new data keys are wrapped with."""

    def wrap(self, data_key: bytes, *, context: str) -> tuple[str, str]:
        """Encrypt a data key under the current master key, bound to `context` (the project and data
        key ids); returns (master key id, wrapped text)."""

    def unwrap(self, master_key_id: str, wrapped: str, *, context: str) -> bytes:
        """The data key, if `master_key_id` is one this provider holds and `context` matches."""


def read_key_file(path: str) -> list[str]:
    """The keys in a key file: one per line (or comma-separated), blank lines and `#` comments ignored."""
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise KeyProviderError(f"PLATFORM_ENCRYPTION_KEY_FILE {path!r} cannot be read: {exc.strerror}") from None
    keys = [part.strip() for line in text.splitlines() if not line.lstrip().startswith("#")
            for part in line.split(",") if part.strip()]
    if not keys:
        raise KeyProviderError(f"PLATFORM_ENCRYPTION_KEY_FILE {path!r} holds no key")
    return keys


class LocalKeyProvider:
    """Master keys held by this process (from the environment or a key file), AES-256-GCM wrapping."""

    def __init__(self, keys: list[str] | None = None) -> None:
        from accounts.master_keys import _keyring

        self._keys = dict(_keyring(tuple(keys if keys is not None else settings.PLATFORM_ENCRYPTION_KEYS)))
        self._current = next(iter(self._keys))

    def current_key_id(self) -> str:
        return self._current

    def wrap(self, data_key: bytes, *, context: str) -> tuple[str, str]:
        nonce = os.urandom(12)
        sealed = AESGCM(self._keys[self._current]).encrypt(nonce, data_key, context.encode())
        return self._current, base64.urlsafe_b64encode(nonce + sealed).decode()

    def unwrap(self, master_key_id: str, wrapped: str, *, context: str) -> bytes:
        if master_key_id not in self._keys:
            raise KeyProviderError(f"data key wrapped with master key {master_key_id}, which is not configured")
        blob = base64.urlsafe_b64decode(wrapped)
        return AESGCM(self._keys[master_key_id]).decrypt(blob[:12], blob[12:], context.encode())


@lru_cache(maxsize=4)
def _provider(spec: str, keys: tuple[str, ...]) -> KeyProvider:
    if spec in ("", "local"):
        return LocalKeyProvider(list(keys))
    module, _, name = spec.partition(":")
    if not name:
        module, _, name = spec.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name)()
    except (ImportError, AttributeError, ValueError) as exc:
        raise KeyProviderError(f"PLATFORM_KEY_PROVIDER {spec!r} cannot be loaded: {exc}") from exc


def key_provider() -> KeyProvider:
    """The configured provider (one instance per configuration and process)."""
    return _provider(settings.PLATFORM_KEY_PROVIDER, tuple(settings.PLATFORM_ENCRYPTION_KEYS))
