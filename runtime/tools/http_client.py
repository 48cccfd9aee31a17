"""SSRF-safe HTTP client shared by the HTTP, OpenAPI and RAG URL tools.

Each hop is checked by `ssrf.check_url` and sent to the checked IP address (the URL is
rewritten to the IP, the `Host` header and TLS SNI keep the name, so no second DNS lookup
happens). Redirects are followed by hand, re-checking every hop and dropping credentials on a
cross-origin hop. The body is streamed and cut at the policy's cap; the whole call, redirects
included, is bounded by one deadline.
"""
from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

import httpx

from runtime.errors import Cancelled, ToolConnectionError, ToolRefused, ToolTimeout
from runtime.store import CancelToken, NeverCancelled
from runtime.tools.ssrf import HttpPolicy, PinnedTarget, Resolver, check_url, system_resolver


class SecretGuard(Protocol):
    """Refuses a hop that would carry a secret to a host outside its scope."""

    def check(self, host: str, carried: str) -> None: ...


REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Headers that carry credentials: never forwarded to another origin on a redirect.
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
_CHUNK = 64 * 1024


@dataclass
class HttpRequest:
    """One outbound request. `sensitive_headers` (lower-case names) are dropped on a
    cross-origin redirect, in addition to `CREDENTIAL_HEADERS`."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    params: Mapping[str, Any] | None = None
    json: Any = None
    content: bytes | None = None
    sensitive_headers: frozenset[str] = frozenset()
    follow_redirects: bool = True


@dataclass
class HttpResponse:
    status: int
    headers: dict[str, str]
    content: bytes
    truncated: bool
    url: str  # the final URL, after redirects

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    @property
    def charset(self) -> str:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = part.partition("=")
            if name.strip().lower() == "charset" and value.strip():
                return value.strip().strip('"')
        return "utf-8"

    def text(self) -> str:
        try:
            return self.content.decode(self.charset, errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")


_ssl_lock = threading.Lock()
_ssl_context: ssl.SSLContext | None = None


def shared_ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per process (building one costs ~20 ms)."""
    global _ssl_context
    with _ssl_lock:
        if _ssl_context is None:
            _ssl_context = ssl.create_default_context()
        return _ssl_context


class SafeHttpClient:
    """Sends `HttpRequest`s under an `HttpPolicy`. Thread-safe; holds no per-call state."""

    def __init__(self, resolver: Resolver = system_resolver, verify: ssl.SSLContext | bool | None = None) -> None:
        self.resolver = resolver
        self._verify = verify

    def send(self, request: HttpRequest, policy: HttpPolicy, *, deadline: float | None = None,
             cancel: CancelToken | None = None, secret_guard: SecretGuard | None = None) -> HttpResponse:
        """Send `request`, following allowed redirects; raise `ToolRefused`, `ToolTimeout`,
        `ToolConnectionError` or `Cancelled`. `secret_guard.check(host, carried)` is asked
        before every hop (a secret scoped to other hosts is refused there)."""
        cancel = cancel or NeverCancelled()
        end = time.monotonic() + policy.timeout_s
        end = min(end, deadline) if deadline is not None else end
        verify = self._verify if self._verify is not None else shared_ssl_context()
        # No keep-alive: a pooled connection verified for one host must never carry another's request.
        with httpx.Client(verify=verify, trust_env=False, follow_redirects=False,
                          limits=httpx.Limits(max_keepalive_connections=0)) as client:
            current = request
            for _hop in range(policy.max_redirects + 1):
                _raise_if_stopped(end, cancel, urlsplit(current.url).hostname or "")
                target = check_url(current.url, policy, self.resolver)
                if secret_guard is not None:
                    secret_guard.check(target.hostname, _carried_text(current))
                outcome = self._send_hop(client, current, target, policy, end, cancel)
                if isinstance(outcome, HttpResponse):
                    return outcome
                current = outcome
        raise ToolRefused(f"more than {policy.max_redirects} redirects", reason="too_many_redirects")

    def _send_hop(self, client: httpx.Client, request: HttpRequest, target: PinnedTarget, policy: HttpPolicy,
                  end: float, cancel: CancelToken) -> HttpResponse | HttpRequest:
        remaining = max(end - time.monotonic(), 0.001)
        try:
            pinned = _pinned_request(client, request, target, remaining)
        except httpx.InvalidURL as exc:  # e.g. a redirect to `http:127.0.0.1:18080/x`: not an HTTPError
            raise ToolRefused(f"the URL for {target.hostname} is not valid", reason="invalid_url") from exc
        except UnicodeEncodeError:  # header names/values go on the wire as ASCII/Latin-1 bytes
            raise ToolRefused("a request header holds characters that cannot be sent (headers are ASCII; "
                              "percent-encode or base64 the value)", reason="invalid_header") from None
        try:
            response = client.send(pinned, stream=True)
        except httpx.TimeoutException as exc:
            raise ToolTimeout(f"HTTP request to {target.hostname} timed out", host=target.hostname) from exc
        except httpx.HTTPError as exc:
            raise ToolConnectionError(f"HTTP request to {target.hostname} failed: {type(exc).__name__}",
                                      host=target.hostname) from exc
        except (httpx.InvalidURL, UnicodeEncodeError) as exc:
            raise ToolRefused(f"the request to {target.hostname} cannot be sent: {type(exc).__name__}",
                              reason="invalid_request") from None
        try:
            if request.follow_redirects and response.status_code in REDIRECT_STATUSES \
                    and "location" in response.headers:
                return _redirected(request, response.status_code, response.headers["location"])
            content, truncated = _read_capped(response, policy.max_response_bytes, end, cancel, target.hostname)
            headers = {k.lower(): v for k, v in response.headers.multi_items() if k.lower() != "set-cookie"}
            return HttpResponse(response.status_code, headers, content, truncated, request.url)
        finally:
            response.close()


def fetch_url(url: str, policy: HttpPolicy, *, deadline: float | None = None,
              client: SafeHttpClient | None = None) -> tuple[str, bytes]:
    """GET `url` under the SSRF policy (RAG URL ingestion); return (content type, body).

    Raises `ToolRefused` for a refused address, a non-2xx status or a body over the cap."""
    response = (client or SafeHttpClient()).send(HttpRequest("GET", url), policy, deadline=deadline)
    if not 200 <= response.status < 300:
        raise ToolRefused(f"fetching {url} answered HTTP {response.status}", reason="http_status",
                          status=response.status)
    if response.truncated:
        raise ToolRefused(f"{url} is larger than {policy.max_response_bytes} bytes", reason="too_large")
    return response.content_type, response.content


def _pinned_request(client: httpx.Client, request: HttpRequest, target: PinnedTarget,
                    timeout: float) -> httpx.Request:
    parts = urlsplit(request.url)
    ip_url = parts._replace(scheme=target.scheme, netloc=target.ip_netloc).geturl()
    headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
    headers["Host"] = target.host_header
    if not any(k.lower() == "accept-encoding" for k in headers):
        headers["Accept-Encoding"] = "identity"  # the size cap then bounds memory too (no decompression bombs)
    extensions: dict[str, Any] = {"timeout": httpx.Timeout(timeout).as_dict()}
    if target.scheme == "https":
        extensions["sni_hostname"] = target.hostname
    built = client.build_request(request.method, ip_url, headers=headers, params=request.params,
                                 json=request.json if request.content is None else None,
                                 content=request.content, extensions=extensions)
    return built


def _redirected(request: HttpRequest, status: int, location: str) -> HttpRequest:
    """The request for the next hop: RFC 9110 method rewriting, credentials kept same-origin only."""
    next_url = urljoin(request.url, location)
    method, json_body, content = request.method, request.json, request.content
    if status == 303 and method != "HEAD" or status in (301, 302) and method == "POST":
        method, json_body, content = "GET", None, None
    headers = dict(request.headers)
    if _origin(next_url) != _origin(request.url):
        dropped = CREDENTIAL_HEADERS | request.sensitive_headers
        headers = {k: v for k, v in headers.items() if k.lower() not in dropped}
    if content is None and json_body is None:
        headers = {k: v for k, v in headers.items() if k.lower() not in ("content-type", "content-length")}
    # Query params were merged into the first URL; the Location header now says where to go.
    return HttpRequest(method, next_url, headers, None, json_body, content, request.sensitive_headers,
                       request.follow_redirects)


def _read_capped(response: httpx.Response, cap: int, end: float, cancel: CancelToken,
                 host: str) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_bytes(_CHUNK):
            _raise_if_stopped(end, cancel, host)
            if size + len(chunk) > cap:
                chunks.append(chunk[: cap - size])
                return b"".join(chunks), True
            chunks.append(chunk)
            size += len(chunk)
    except httpx.TimeoutException as exc:
        raise ToolTimeout(f"HTTP response from {host} timed out", host=host) from exc
    except httpx.HTTPError as exc:
        raise ToolConnectionError(f"reading the HTTP response from {host} failed: {type(exc).__name__}",
                                  host=host) from exc
    return b"".join(chunks), False


def _raise_if_stopped(end: float, cancel: CancelToken, host: str) -> None:
    if cancel.is_cancelled():
        raise Cancelled("HTTP call cancelled")
    if time.monotonic() >= end:
        raise ToolTimeout(f"HTTP call to {host} timed out", host=host)


def _carried_text(request: HttpRequest) -> str:
    """Everything of a request that could carry a secret value, as one string."""
    parts = [request.url, *request.headers.values(), *(str(v) for v in (request.params or {}).values())]
    if request.content is not None:
        parts.append(request.content.decode("utf-8", errors="replace"))
    elif request.json is not None:
        parts.append(json.dumps(request.json, ensure_ascii=False, default=str))
    return "\n".join(parts)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port
