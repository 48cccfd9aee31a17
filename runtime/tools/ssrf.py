"""SSRF guard: decide whether an outbound HTTP request may reach a host, and pin the address.

Every URL an HTTP tool, an OpenAPI tool, an MCP HTTP server or RAG URL ingestion fetches goes
through `check_url`. The host is resolved here, each resulting address is classified, and the
caller connects to the returned `PinnedTarget.ip` (never resolving the name a second time), so
a DNS answer that changes between check and connect (DNS rebinding) cannot redirect the call.

Refused unless the policy allow-lists them: loopback, private, link-local, multicast,
unspecified, reserved, shared (CGNAT) and cloud-metadata addresses, in IPv4 and IPv6 form,
including IPv6 forms that embed an IPv4 address (mapped, compatible, 6to4, Teredo, NAT64) and
the BSD numeric spellings of IPv4 (`2130706433`, `0177.0.0.1`, `0x7f.1`, `127.1`).
"""
from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urlsplit

from runtime.errors import ToolConnectionError, ToolRefused

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]

# Hostnames of cloud metadata services, refused by name whatever they resolve to.
METADATA_HOSTNAMES = frozenset({
    "metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal",
    "metadata.azure.com",
})
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200", "169.254.169.123",
))
_EXTRA_BLOCKED = tuple(ipaddress.ip_network(n) for n in (
    "100.64.0.0/10",   # shared address space (CGNAT), also where some clouds put metadata
    "192.0.0.0/24",    # IETF protocol assignments
    "198.18.0.0/15",   # benchmarking
    "64:ff9b:1::/48",  # local-use NAT64
))
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPAT = ipaddress.ip_network("::/96")
# BSD inet_aton spellings: 1 to 4 parts, each decimal, octal (leading 0) or hex (0x).
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}$")
ALLOWED_SCHEMES = ("http", "https")


@dataclass(frozen=True)
class HttpPolicy:
    """Limits and allow-list for outbound HTTP. One per project (the Django side builds it).

    `allow` holds hostnames (exact, case-insensitive) and IP addresses or CIDR networks that
    may be reached even though they are not public (e.g. `"127.0.0.1"`, `"10.0.0.0/8"`).
    """

    allow: tuple[str, ...] = ()
    max_response_bytes: int = 1024 * 1024
    max_redirects: int = 5
    timeout_s: float = 30.0
    allowed_schemes: tuple[str, ...] = ALLOWED_SCHEMES
    _hosts: frozenset[str] = field(init=False, repr=False, compare=False)
    _networks: tuple[Network, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        hosts, networks = set(), []
        for entry in self.allow:
            try:
                networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                hosts.add(_normalise_hostname(entry))
        object.__setattr__(self, "_hosts", frozenset(hosts))
        object.__setattr__(self, "_networks", tuple(networks))

    def allows_host(self, hostname: str) -> bool:
        return _normalise_hostname(hostname) in self._hosts

    def allows_ip(self, ip: IPAddress) -> bool:
        return any(ip.version == net.version and ip in net for net in self._networks)


@dataclass(frozen=True)
class PinnedTarget:
    """A checked URL and the one address the caller must connect to."""

    url: str
    scheme: str
    hostname: str  # as written in the URL (normalised), for the Host header and TLS SNI
    port: int
    ip: IPAddress

    @property
    def host_header(self) -> str:
        host = f"[{self.hostname}]" if ":" in self.hostname else self.hostname
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"

    @property
    def ip_netloc(self) -> str:
        host = f"[{self.ip}]" if self.ip.version == 6 else str(self.ip)
        return f"{host}:{self.port}"


def system_resolver(host: str, port: int) -> list[str]:
    """Resolve `host` with the system resolver (getaddrinfo); every address, in order."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ToolConnectionError(f"cannot resolve host {host!r}: {exc}", reason="dns", host=host) from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check_url(url: str, policy: HttpPolicy, resolver: Resolver = system_resolver) -> PinnedTarget:
    """Parse `url`, resolve its host and return the address to connect to, or raise `ToolRefused`."""
    parts = _split(url, policy)
    hostname = _normalise_hostname(parts.hostname or "")
    port = _port(parts)
    literal = parse_ip_literal(hostname)
    if literal is not None:
        return PinnedTarget(url, parts.scheme, hostname, port, _check_ip(literal, hostname, policy))
    if hostname in METADATA_HOSTNAMES and not policy.allows_host(hostname):
        raise ToolRefused(f"host {hostname!r} is a cloud metadata service", reason="metadata", host=hostname)
    addresses = [_parse_resolved(a) for a in resolver(hostname, port)]
    if not addresses:
        raise ToolRefused(f"host {hostname!r} has no address", reason="dns", host=hostname)
    refused: list[str] = []
    for ip in addresses:
        if policy.allows_host(hostname) or policy.allows_ip(ip) or is_public_address(ip):
            return PinnedTarget(url, parts.scheme, hostname, port, ip)
        refused.append(str(ip))
    raise ToolRefused(
        f"host {hostname!r} resolves only to non-public addresses ({', '.join(refused)}); "
        "allow-list it in the project's HTTP policy to call it", reason="non_public_address", host=hostname)


def parse_ip_literal(hostname: str) -> IPAddress | None:
    """The IP address a URL host spells, in any form a resolver would accept; None for names."""
    if ":" in hostname:
        if "%" in hostname:  # zone ids only make sense for link-local addresses, which are refused
            raise ToolRefused(f"IPv6 zone ids are not allowed ({hostname!r})", reason="invalid_host")
        try:
            return ipaddress.IPv6Address(hostname)
        except ValueError as exc:
            raise ToolRefused(f"invalid IPv6 host {hostname!r}", reason="invalid_host") from exc
    if not _NUMERIC_HOST.match(hostname):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(hostname))
    except OSError as exc:
        raise ToolRefused(f"invalid IPv4 host {hostname!r}", reason="invalid_host") from exc


def is_public_address(ip: IPAddress) -> bool:
    """True for globally routable unicast addresses (after unwrapping IPv4-in-IPv6 forms)."""
    if ip in METADATA_ADDRESSES:
        return False
    embedded = embedded_ipv4(ip)
    if embedded is not None:
        return is_public_address(embedded)
    if (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_unspecified
            or ip.is_reserved or not ip.is_global):
        return False
    return not any(ip.version == net.version and ip in net for net in _EXTRA_BLOCKED)


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, 6to4, Teredo, NAT64), if any."""
    if ip.version == 4:
        return None
    assert isinstance(ip, ipaddress.IPv6Address)
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64 or (ip in _IPV4_COMPAT and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _check_ip(ip: IPAddress, hostname: str, policy: HttpPolicy) -> IPAddress:
    if policy.allows_ip(ip) or policy.allows_host(hostname) or is_public_address(ip):
        return ip
    kind = "cloud metadata" if ip in METADATA_ADDRESSES else "non-public"
    raise ToolRefused(f"address {ip} is {kind}; allow-list it in the project's HTTP policy to call it",
                      reason="non_public_address", host=str(ip))


def _split(url: str, policy: HttpPolicy) -> SplitResult:
    if any(ch in url for ch in "\r\n\t\x00"):
        raise ToolRefused("URL contains control characters", reason="invalid_url")
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise ToolRefused(f"invalid URL: {exc}", reason="invalid_url") from exc
    if parts.scheme.lower() not in policy.allowed_schemes:
        raise ToolRefused(f"scheme {parts.scheme!r} is not allowed (use {', '.join(policy.allowed_schemes)})",
                          reason="invalid_url")
    if not parts.hostname:
        raise ToolRefused("URL has no host", reason="invalid_url")
    return parts._replace(scheme=parts.scheme.lower())


def _port(parts: SplitResult) -> int:
    if parts.port is not None:
        return parts.port
    return 443 if parts.scheme == "https" else 80


def _parse_resolved(address: str) -> IPAddress:
    return ipaddress.ip_address(address.split("%", 1)[0])


def _normalise_hostname(hostname: str) -> str:
    return hostname.strip().lower().rstrip(".").strip("[]")
