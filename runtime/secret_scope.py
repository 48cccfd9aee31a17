"""Where a project secret may be sent: each secret names the hosts it is for (`allowed_hosts`).

The Django side hands the engine its secrets as a mapping that also answers `scope(name)`
(`accounts.secret_vault.ProjectSecrets`); a plain dict (engine tests, callers without scopes)
has no scopes and is not checked. Checks happen where a secret value is put into an outbound
request and its target host is known: the HTTP tools (every hop that still carries the value),
model providers (their base URL's host).

Host patterns: an exact host name or IP (`api.example.com`, `10.0.0.5`), or `*.example.com`
for any subdomain of example.com (not example.com itself). A scoped secret whose list is empty
goes nowhere. An unscoped secret (`None`, created before scoping existed) is refused for tool
requests unless the operator allows it (`unscoped="allow"`); see docs/security.md.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, quote_plus, urlsplit

from runtime.errors import ToolRefused

UNSCOPED_ALLOW = "allow"
UNSCOPED_REFUSE = "refuse"


@dataclass(frozen=True)
class SecretScope:
    """The hosts a secret may be sent to; `hosts is None` means unscoped (legacy)."""

    hosts: tuple[str, ...] | None

    def allows(self, host: str) -> bool:
        if self.hosts is None:
            return True
        return any(host_matches(pattern, host) for pattern in self.hosts)


def normalise_host(host: str) -> str:
    return host.strip().lower().rstrip(".").strip("[]")


def host_matches(pattern: str, host: str) -> bool:
    """Whether `host` is covered by `pattern` (exact, or `*.domain` for any subdomain)."""
    pattern, host = normalise_host(pattern), normalise_host(host)
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and len(host) > len(pattern) - 1
    return pattern == host


def scope_of(secrets: Mapping[str, str], name: str) -> SecretScope | None:
    """The scope of `name`, or None when the mapping carries no scopes (not checked)."""
    scope = getattr(secrets, "scope", None)
    return scope(name) if callable(scope) else None


def unscoped_policy(secrets: Mapping[str, str]) -> str:
    return str(getattr(secrets, "unscoped_policy", UNSCOPED_ALLOW))


def host_of(url: str) -> str:
    try:
        return normalise_host(urlsplit(url).hostname or "")
    except ValueError:
        return ""


def check_secret_destination(secrets: Mapping[str, str], name: str, url_or_host: str, *,
                             unscoped: str | None = None) -> None:
    """Raise `ToolRefused` (reason `secret_scope`) unless secret `name` may be sent to this host.

    `unscoped` overrides the mapping's policy for legacy secrets (model providers, whose base
    URL only a project admin sets, pass "allow")."""
    scope = scope_of(secrets, name)
    if scope is None:
        return
    host = host_of(url_or_host) if "://" in url_or_host else normalise_host(url_or_host)
    if scope.hosts is None:
        if (unscoped or unscoped_policy(secrets)) == UNSCOPED_ALLOW:
            return
        raise ToolRefused(
            f"secret {name!r} has no allowed_hosts; a project admin must scope it (PATCH /api/v1/secrets/{name} "
            f"with allowed_hosts) before it can be sent to {host!r}", reason="secret_scope", secret=name, host=host)
    if not scope.allows(host):
        raise ToolRefused(f"secret {name!r} may not be sent to host {host!r} (allowed_hosts: "
                          f"{', '.join(scope.hosts) or 'none'})", reason="secret_scope", secret=name, host=host)


def names_for_values(secrets: Mapping[str, str], values: Iterable[str]) -> list[str]:
    """Names of the already-revealed secrets whose values are among `values`."""
    wanted = {v for v in values if v}
    revealed = getattr(secrets, "revealed_items", None)
    items = revealed() if callable(revealed) else secrets.items()
    return sorted(name for name, value in items if value in wanted)


class SecretDestinationGuard:
    """Checks each outbound hop: every used secret whose value the hop still carries must allow
    the hop's host. Built per request by the HTTP tools (`runtime.tools.http`)."""

    def __init__(self, secrets: Mapping[str, str], used_values: Iterable[str]) -> None:
        self.secrets = secrets
        self.values = {name: secrets[name] for name in names_for_values(secrets, used_values)}

    def __bool__(self) -> bool:
        return bool(self.values)

    def check(self, host: str, carried: str) -> None:
        """`carried`: the hop's URL, header values and body as text."""
        for name, value in self.values.items():
            if value and any(form in carried for form in (value, quote(value, safe=""), quote_plus(value))):
                check_secret_destination(self.secrets, name, host)
