"""Validating the hosts a project lets its HTTP tools, providers and URL ingestion reach
(`Project.http_allowlist`) and the hosts a secret may be sent to (`Secret.allowed_hosts`).

Allow-list entries are an IP address, a CIDR network or a host name, nothing else. Entries
that would open the platform's own surroundings — loopback, unspecified, cloud metadata,
link-local, or a range wider than /8 (IPv4) or /32 (IPv6) — are refused unless the operator
sets `PLATFORM_ALLOWLIST_PERMIT_UNSAFE=true` (local development, tests). Refusals are 422
problem+json naming the field.
"""
from __future__ import annotations

import ipaddress
import re

from django.conf import settings

from agent_platform.service_errors import InputRejected
from runtime.tools.ssrf import METADATA_ADDRESSES, METADATA_HOSTNAMES, embedded_ipv4

MAX_ENTRIES = 100
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
HOSTNAME = re.compile(rf"^{_LABEL}(\.{_LABEL})*$")
WILDCARD_HOST = re.compile(rf"^\*\.{_LABEL}(\.{_LABEL})+$")
_MIN_PREFIX = {4: 8, 6: 32}
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


def _refuse(field: str, message: str) -> InputRejected:
    return InputRejected(f"{field}: {message}", errors={field: [message]})


def _network(entry: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return None


def _looks_numeric(entry: str) -> bool:
    """An entry whose last label is all digits (or has a slash) is a (bad) address, not a name."""
    return "/" in entry or entry.rsplit(".", 1)[-1].isdigit() or ":" in entry


def unsafe_reason(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> str | None:
    """Why a network may not be allow-listed without the operator's permission, or None."""
    if net.prefixlen < _MIN_PREFIX[net.version]:
        return f"covers too many addresses (shorter than /{_MIN_PREFIX[net.version]})"
    first = net.network_address
    inner = embedded_ipv4(first) if net.version == 6 and net.prefixlen >= 96 else None
    probe = ipaddress.ip_network(f"{inner}/{net.prefixlen - 96}", strict=False) if inner is not None else net
    if any(a.version == probe.version and a in probe for a in METADATA_ADDRESSES):
        return "covers a cloud metadata address"
    if probe.network_address.is_unspecified or probe.overlaps(_ZERO[probe.version]):
        return "covers the unspecified address"
    if probe.overlaps(_LOOPBACK[probe.version]):
        return "covers loopback addresses"
    if probe.overlaps(_LINK_LOCAL[probe.version]):
        return "covers link-local addresses"
    return None


_ZERO = {4: ipaddress.ip_network("0.0.0.0/32"), 6: ipaddress.ip_network("::/128")}
_LOOPBACK = {4: ipaddress.ip_network("127.0.0.0/8"), 6: ipaddress.ip_network("::1/128")}
_LINK_LOCAL = {4: ipaddress.ip_network("169.254.0.0/16"), 6: ipaddress.ip_network("fe80::/10")}


def validate_allowlist(entries: list, *, field: str = "http_allowlist",
                       permit_unsafe: bool | None = None) -> list[str]:
    """The entries, normalised (stripped, lower-case); raises 422 naming `field` for a bad one."""
    if permit_unsafe is None:
        permit_unsafe = settings.PLATFORM_ALLOWLIST_PERMIT_UNSAFE
    if not isinstance(entries, list):
        raise _refuse(field, "must be a list of host names, IP addresses or CIDR networks")
    if len(entries) > MAX_ENTRIES:
        raise _refuse(field, f"at most {MAX_ENTRIES} entries")
    out: list[str] = []
    for index, raw in enumerate(entries):
        if not isinstance(raw, str) or not raw.strip():
            raise _refuse(field, f"entry {index} must be a non-empty string")
        entry = raw.strip().lower().rstrip(".")
        net = _network(entry)
        if net is None:
            if _looks_numeric(entry) or not HOSTNAME.match(entry) or len(entry) > 253:
                raise _refuse(field, f"entry {index} ({raw[:80]!r}) is not a host name, an IP address "
                                     "or a CIDR network")
            if not permit_unsafe and (entry in METADATA_HOSTNAMES or entry in _LOCAL_NAMES
                                      or entry.endswith(".localhost")):
                raise _refuse(field, f"entry {index} ({entry!r}) names a local or metadata host; the operator "
                                     "must set PLATFORM_ALLOWLIST_PERMIT_UNSAFE to allow it")
        else:
            reason = unsafe_reason(net)
            if reason and not permit_unsafe:
                raise _refuse(field, f"entry {index} ({entry!r}) {reason}; the operator must set "
                                     "PLATFORM_ALLOWLIST_PERMIT_UNSAFE to allow it")
            entry = str(net) if "/" in entry else str(net.network_address)
        out.append(entry)
    return list(dict.fromkeys(out))


def secret_hosts(entries: list, *, field: str = "allowed_hosts") -> list[str]:
    """A secret's allowed hosts: exact host names or IP addresses, or `*.domain` wildcards."""
    if not isinstance(entries, list):
        raise _refuse(field, "must be a list of host names")
    if len(entries) > MAX_ENTRIES:
        raise _refuse(field, f"at most {MAX_ENTRIES} entries")
    out: list[str] = []
    for index, raw in enumerate(entries):
        entry = raw.strip().lower().rstrip(".") if isinstance(raw, str) else ""
        is_ip = _network(entry) is not None and "/" not in entry
        if not (is_ip or WILDCARD_HOST.match(entry) or (HOSTNAME.match(entry) and not _looks_numeric(entry))):
            raise _refuse(field, f"entry {index} ({str(raw)[:80]!r}) must be a host name, an IP address or "
                                 "*.domain")
        out.append(str(ipaddress.ip_address(entry)) if is_ip else entry)
    return list(dict.fromkeys(out))
