"""Envelope encryption: a data key per project, wrapped by the key provider's master key; the
master key from PLATFORM_ENCRYPTION_KEY, a key file, or a pluggable provider (KMS / Vault)."""
import base64
import json
import os
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.test import override_settings

from accounts import crypto, data_keys, key_provider, services
from accounts.key_provider import KeyProviderError, LocalKeyProvider, read_key_file
from accounts.models import ProjectDataKey, Secret
from agent_platform.config import new_encryption_key

VALUE = "pw-0a1b2c3d-envelope"


@pytest.fixture(autouse=True)
def _fresh_caches():
    key_provider._provider.cache_clear()
    data_keys._unwrapped.cache_clear()
    yield
    key_provider._provider.cache_clear()
    data_keys._unwrapped.cache_clear()


@pytest.mark.django_db
def test_each_project_gets_its_own_wrapped_data_key(project, other_project):
    first = services.set_secret(project=project, name="A", value=VALUE)
    second = services.set_secret(project=other_project, name="A", value=VALUE)
    mine, theirs = ProjectDataKey.objects.get(project=project), ProjectDataKey.objects.get(project=other_project)
    assert first.ciphertext.startswith(f"v2.{mine.pk}.") and second.ciphertext.startswith(f"v2.{theirs.pk}.")
    assert mine.master_key_id == crypto.keyring()[0][0]  # wrapped by the current master key
    # the data key is stored only wrapped: the raw key appears nowhere in the row
    raw = data_keys.data_key(mine.pk)
    assert len(raw) == 32 and base64.urlsafe_b64encode(raw).decode() not in mine.wrapped
    assert services.reveal_secrets(project)["A"] == VALUE
    assert services.set_secret(project=project, name="B", value="x").ciphertext.split(".")[1] == mine.pk  # reused


@pytest.mark.django_db
def test_a_data_key_is_bound_to_its_project(project, other_project):
    services.set_secret(project=project, name="A", value=VALUE)
    row = ProjectDataKey.objects.get(project=project)
    ProjectDataKey.objects.filter(pk=row.pk).update(project=other_project)  # a row moved to another project
    data_keys._unwrapped.cache_clear()
    from cryptography.exceptions import InvalidTag

    with pytest.raises(InvalidTag):
        data_keys.data_key(row.pk)


@pytest.mark.django_db
def test_rotation_rewraps_data_keys_and_moves_v1_secrets_to_envelopes(project, settings):
    old_key = settings.PLATFORM_ENCRYPTION_KEYS[0]
    services.set_secret(project=project, name="A", value=VALUE)
    legacy = Secret.objects.create(project=project, name="LEGACY",
                                   ciphertext=crypto.encrypt("old-value", aad=f"{project.pk}:LEGACY"))
    assert legacy.ciphertext.startswith("v1.")
    new_key = new_encryption_key()
    with override_settings(PLATFORM_ENCRYPTION_KEYS=[new_key, old_key]):
        key_provider._provider.cache_clear()
        before = Secret.objects.get(name="A").ciphertext
        assert services.rotate_encryption_key() == 2  # one data key re-wrapped, one v1 secret re-encrypted
        assert services.rotate_encryption_key() == 0
        assert Secret.objects.get(name="A").ciphertext == before  # the secret itself was not touched
        assert ProjectDataKey.objects.get(project=project).master_key_id == crypto.key_id(
            base64.urlsafe_b64decode(new_key + "=" * (-len(new_key) % 4)))
    with override_settings(PLATFORM_ENCRYPTION_KEYS=[new_key]):  # the old key is gone
        key_provider._provider.cache_clear()
        data_keys._unwrapped.cache_clear()
        secrets = services.reveal_secrets(project)
        assert secrets["A"] == VALUE and secrets["LEGACY"] == "old-value"
        assert Secret.objects.get(name="LEGACY").ciphertext.startswith("v2.")


def test_key_file_lists_keys_one_per_line(tmp_path):
    first, second = new_encryption_key(), new_encryption_key()
    path = tmp_path / "keys"
    path.write_text(f"# current first\n{first}\n\n{second}\n")
    assert read_key_file(str(path)) == [first, second]
    provider = LocalKeyProvider(read_key_file(str(path)))
    master, wrapped = provider.wrap(b"k" * 32, context="c")
    assert provider.unwrap(master, wrapped, context="c") == b"k" * 32
    with pytest.raises(KeyProviderError, match="holds no key"):
        (tmp_path / "empty").write_text("# nothing\n")
        read_key_file(str(tmp_path / "empty"))
    with pytest.raises(KeyProviderError, match="cannot be read"):
        read_key_file(str(tmp_path / "missing"))


def test_settings_read_the_key_file(tmp_path):
    """A fresh process configured with PLATFORM_ENCRYPTION_KEY_FILE only uses the file's keys."""
    from django.conf import settings

    first, second = new_encryption_key(), new_encryption_key()
    (tmp_path / "keys").write_text(f"{first}\n{second}\n")
    env = {k: v for k, v in os.environ.items() if k != "PLATFORM_ENCRYPTION_KEY"}
    env.update(PLATFORM_ENCRYPTION_KEY_FILE=str(tmp_path / "keys"), DJANGO_SETTINGS_MODULE="agent_platform.settings",
               REDIS_URL=settings.REDIS_URL, DATABASE_URL="postgresql://unused@127.0.0.1:1/unused")
    code = ("import django, json; django.setup(); from django.conf import settings; "
            "print(json.dumps(settings.PLATFORM_ENCRYPTION_KEYS))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [first, second]


class EnvelopeTestProvider:
    """A stand-in for a KMS: its master key lives in this object, wrap/unwrap are its only entry points."""

    calls: list[str] = []

    def __init__(self) -> None:
        self.key = AESGCM(b"m" * 32)

    def current_key_id(self) -> str:
        return "kms-key-1"

    def wrap(self, data_key: bytes, *, context: str) -> tuple[str, str]:
        EnvelopeTestProvider.calls.append("wrap")
        nonce = os.urandom(12)
        return "kms-key-1", base64.b64encode(nonce + self.key.encrypt(nonce, data_key, context.encode())).decode()

    def unwrap(self, master_key_id: str, wrapped: str, *, context: str) -> bytes:
        EnvelopeTestProvider.calls.append("unwrap")
        blob = base64.b64decode(wrapped)
        return self.key.decrypt(blob[:12], blob[12:], context.encode())


@pytest.mark.django_db
def test_a_pluggable_provider_wraps_the_data_keys(project):
    EnvelopeTestProvider.calls.clear()
    with override_settings(PLATFORM_KEY_PROVIDER="tests.accounts.test_key_provider:EnvelopeTestProvider"):
        services.set_secret(project=project, name="A", value=VALUE)
        services.set_secret(project=project, name="B", value=VALUE)
        assert ProjectDataKey.objects.get(project=project).master_key_id == "kms-key-1"
        assert services.reveal_secrets(project)["A"] == VALUE and services.reveal_secrets(project)["B"] == VALUE
    assert EnvelopeTestProvider.calls == ["wrap", "unwrap"]  # one data key, unwrapped once (for B), then cached


def test_an_unknown_provider_is_a_clear_error():
    with override_settings(PLATFORM_KEY_PROVIDER="nowhere.module:Nothing"):
        with pytest.raises(KeyProviderError, match="cannot be loaded"):
            key_provider.key_provider()
