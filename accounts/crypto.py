"""Authenticated encryption of project secrets (AES-256-GCM, `cryptography`).

Token formats:
- `v2.<data key id>.<base64(nonce || ciphertext+tag)>`: envelope encryption — the project's data key
  (accounts/data_keys.py), itself stored wrapped by the master key of the key provider
  (accounts/key_provider.py: a local key or key file, or a KMS/Vault). What `encrypt` writes when
  given the project.
- `v1.<key id>.<...>`: directly under a master key among PLATFORM_ENCRYPTION_KEY's comma-separated
  keys (first = current), so old tokens stay readable; `rotate_encryption_key` moves project
  secrets to v2.
The associated data binds a token to its project and secret name.
"""
from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from accounts.master_keys import EncryptionKeyError, _decode_key, _keyring, key_id  # noqa: F401 (re-exported)


def keyring() -> tuple[tuple[str, bytes], ...]:
    return _keyring(tuple(settings.PLATFORM_ENCRYPTION_KEYS))


def encrypt(plaintext: str, *, aad: str, project_id: str | None = None) -> str:
    """Seal `plaintext`: with the project's data key (v2) when `project_id` is given, else v1."""
    if project_id is not None:
        from accounts.data_keys import current_data_key

        dek_id, dek = current_data_key(project_id)
        nonce = os.urandom(12)
        sealed = AESGCM(dek).encrypt(nonce, plaintext.encode(), aad.encode())
        return f"v2.{dek_id}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"
    kid, key = keyring()[0]
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), aad.encode())
    return f"v1.{kid}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(token: str, *, aad: str) -> str:
    version, kid, payload = token.split(".", 2)
    if version == "v2":
        from accounts.data_keys import data_key

        blob = base64.urlsafe_b64decode(payload)
        return AESGCM(data_key(kid)).decrypt(blob[:12], blob[12:], aad.encode()).decode()
    if version != "v1":
        raise EncryptionKeyError(f"unknown secret format {version!r}")
    keys = dict(keyring())
    if kid not in keys:
        raise EncryptionKeyError(f"secret encrypted with key {kid}, which is not configured")
    blob = base64.urlsafe_b64decode(payload)
    return AESGCM(keys[kid]).decrypt(blob[:12], blob[12:], aad.encode()).decode()


def token_key_id(token: str) -> str:
    return token.split(".", 2)[1]


def token_version(token: str) -> str:
    return token.split(".", 1)[0]
