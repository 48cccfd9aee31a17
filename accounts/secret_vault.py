"""A run's view of its project's secrets: names and scopes up front, each value decrypted only
when something asks for it (`{secret:NAME}` in a tool, a provider's key secret).

A run used to decrypt every secret of its project at start; now a secret that no tool or
provider of the run references is never decrypted for it. Every value revealed is recorded in
`revealed`; masking is the project redactor's job (`accounts.redaction_policy`), which knows
every secret of the project without handing any to a tool.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping

from django.conf import settings

from accounts import crypto
from accounts.models import Project, Secret
from runtime.secret_scope import SecretScope


def secret_aad(project_id: str, name: str) -> str:
    return f"{project_id}:{name}"


class ProjectSecrets(Mapping[str, str]):
    """Read-only mapping name → plaintext, decrypting per key on first access (thread-safe)."""

    def __init__(self, project: Project, rows: list[tuple[str, str, list | None]]) -> None:
        self.project_id = str(project.pk)
        self._cipher = {name: token for name, token, _ in rows}
        self._scopes = {name: SecretScope(None if hosts is None else tuple(str(h) for h in hosts))
                        for name, _, hosts in rows}
        self._plain: dict[str, str] = {}
        self._lock = threading.Lock()
        self.revealed: set[str] = set()  # values decrypted so far, for per-run redaction
        self.unscoped_policy = settings.PLATFORM_UNSCOPED_SECRETS

    @classmethod
    def load(cls, project: Project, names: list[str] | None = None) -> ProjectSecrets:
        query = Secret.objects.filter(project=project)
        if names is not None:
            query = query.filter(name__in=names)
        return cls(project, list(query.values_list("name", "ciphertext", "allowed_hosts")))

    def __getitem__(self, name: str) -> str:
        with self._lock:
            if name in self._plain:
                return self._plain[name]
            token = self._cipher[name]  # KeyError for an unknown name, as a dict would
            value = crypto.decrypt(token, aad=secret_aad(self.project_id, name))
            self._plain[name] = value
            self.revealed.add(value)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._cipher)

    def __len__(self) -> int:
        return len(self._cipher)

    def __contains__(self, name: object) -> bool:
        return name in self._cipher

    def __eq__(self, other: object) -> bool:  # identity: comparing would decrypt everything
        return self is other

    __hash__ = object.__hash__

    def scope(self, name: str) -> SecretScope | None:
        return self._scopes.get(name)

    def sealed_items(self) -> list[tuple[str, str]]:
        """`(name, ciphertext)` of every secret (for `accounts.redaction_policy.redactor_for`)."""
        return list(self._cipher.items())

    def revealed_items(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._plain.items())
