"""An HTTP client for the `openai` SDK that sends every request through the SSRF guard.

For base URLs a project configures (its `OPENAI_BASE_URL` secret, `compat:` providers): each
request's host is checked by `runtime.tools.ssrf.check_url` under the project's policy and the
connection goes to the checked address (the Host header and TLS SNI keep the name), so a DNS
answer that changes after the check cannot redirect the call. The `openai` SDK (3.x) runs on
`httpx2`, hence this transport is an `httpx2` one. A refused URL raises `ToolRefused` from
`handle_request`; the adapter reports it as `ModelUnavailable` (reason `ssrf`).
"""
from __future__ import annotations

import httpx2

from runtime.tools.http_client import shared_ssl_context
from runtime.tools.ssrf import HttpPolicy, Resolver, check_url, system_resolver


class GuardedTransport(httpx2.BaseTransport):
    def __init__(self, policy: HttpPolicy, *, resolver: Resolver = system_resolver) -> None:
        self.policy = policy
        self.resolver = resolver
        self._inner = httpx2.HTTPTransport(verify=shared_ssl_context(), trust_env=False)

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        target = check_url(str(request.url), self.policy, self.resolver)
        request.url = request.url.copy_with(host=str(target.ip))
        request.headers["Host"] = target.host_header
        if target.scheme == "https":
            request.extensions = {**request.extensions, "sni_hostname": target.hostname}
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def guarded_client(policy: HttpPolicy, *, timeout: float, resolver: Resolver = system_resolver) -> httpx2.Client:
    """An `httpx2.Client` (what the `openai` SDK takes) whose every request passes the SSRF guard;
    redirects are not followed (a provider API does not redirect)."""
    return httpx2.Client(transport=GuardedTransport(policy, resolver=resolver), timeout=timeout,
                         trust_env=False, follow_redirects=False)
