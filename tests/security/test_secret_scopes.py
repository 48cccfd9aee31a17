"""Item 8 of issue 15: secrets are decrypted per reference and scoped to the hosts they may be
sent to; any other use is a typed `tool_refused` error (403 in the playground)."""
from __future__ import annotations

import pytest

from accounts import services
from tests.runtime.tools.local_server import json_answer, redirect

pytestmark = pytest.mark.django_db(transaction=True)  # tool threads read the project data key on their own connection
TOKEN = "scoped-token-4f3e2d1c"


def invoke_http(api, url: str, headers: dict):
    return api.post("/api/v1/tools/http/invoke", {"input": {"method": "GET", "url": url},
                                                  "config": {"headers": headers}}, format="json")


@pytest.fixture
def two_hosts(project, server, other_server):
    """`localhost` is host A (the secret's scope), `127.0.0.1` host B; both allow-listed."""
    project.http_allowlist = ["localhost", "127.0.0.1"]
    project.save(update_fields=["http_allowlist"])
    server.route("/a", lambda seen: json_answer({"ok": True}))
    other_server.route("/b", lambda seen: json_answer({"ok": True}))
    services.set_secret(project=project, name="PARTNER_TOKEN", value=TOKEN, allowed_hosts=["localhost"])
    return server, other_server


def test_a_secret_scoped_to_host_a_cannot_be_sent_to_host_b(dev_api, two_hosts):
    host_a, host_b = two_hosts
    refused = invoke_http(dev_api, host_b.url("/b"), {"X-Exfil": "{secret:PARTNER_TOKEN}"})
    assert refused.status_code == 403, refused.content
    body = refused.json()
    assert body["tool_error"]["type"] == "tool_refused"
    assert body["tool_error"]["details"]["reason"] == "secret_scope"
    assert "PARTNER_TOKEN" in body["detail"] and TOKEN not in refused.content.decode()
    assert host_b.seen == []
    allowed = invoke_http(dev_api, host_a.url("/a", host="localhost"), {"X-Partner": "{secret:PARTNER_TOKEN}"})
    assert allowed.status_code == 200, allowed.content
    assert {k.lower(): v for k, v in host_a.seen[0].headers.items()}["x-partner"] == TOKEN


def test_a_redirect_cannot_carry_a_scoped_secret_in_the_url_to_another_host(project, dev_api, two_hosts):
    host_a, host_b = two_hosts
    host_a.route("/bounce", lambda seen: redirect(host_b.url("/b") + f"?t={TOKEN}"))
    response = invoke_http(dev_api, host_a.url("/bounce", host="localhost"), {"X-Partner": "{secret:PARTNER_TOKEN}"})
    assert response.status_code == 403, response.content
    assert host_b.seen == []


def test_unscoped_secrets_are_refused_for_tool_requests_unless_the_operator_allows(project, dev_api, server,
                                                                                  settings):
    project.http_allowlist = ["127.0.0.1"]
    project.save(update_fields=["http_allowlist"])
    server.route("/a", lambda seen: json_answer({"ok": True}))
    services.set_secret(project=project, name="LEGACY", value="legacy-value-9876")  # no allowed_hosts
    refused = invoke_http(dev_api, server.url("/a"), {"X-Key": "{secret:LEGACY}"})
    assert refused.status_code == 403 and "allowed_hosts" in refused.json()["detail"]
    assert server.seen == []
    settings.PLATFORM_UNSCOPED_SECRETS = "allow"
    assert invoke_http(dev_api, server.url("/a"), {"X-Key": "{secret:LEGACY}"}).status_code == 200


def test_secrets_are_decrypted_only_when_read(project):
    for name in ("USED", "UNUSED_ONE", "UNUSED_TWO"):
        services.set_secret(project=project, name=name, value=f"value-of-{name.lower()}")
    secrets = services.reveal_secrets(project)
    assert sorted(secrets) == ["UNUSED_ONE", "UNUSED_TWO", "USED"]  # names are known without decrypting
    assert secrets.revealed == set()
    assert secrets["USED"] == "value-of-used"
    assert secrets.revealed == {"value-of-used"}


def test_allowed_hosts_over_the_api(admin_api):
    created = admin_api.post("/api/v1/secrets", {"name": "PARTNER", "value": "vvvvvvvv",
                                                 "allowed_hosts": ["API.Partner.com", "*.partner.net"]},
                             format="json")
    assert created.status_code == 201, created.content
    assert created.json()["allowed_hosts"] == ["api.partner.com", "*.partner.net"]
    patched = admin_api.patch("/api/v1/secrets/PARTNER", {"allowed_hosts": ["10.0.0.5"]}, format="json")
    assert patched.status_code == 200 and patched.json()["allowed_hosts"] == ["10.0.0.5"]
    bad = admin_api.patch("/api/v1/secrets/PARTNER", {"allowed_hosts": ["http://x.com/path"]}, format="json")
    assert bad.status_code == 422 and "allowed_hosts" in bad.json()["errors"]
    assert "vvvvvvvv" not in (created.content + patched.content + bad.content).decode()


def test_developers_cannot_rescope_a_secret(dev_api, project):
    services.set_secret(project=project, name="PARTNER", value="vvvvvvvv", allowed_hosts=["api.partner.com"])
    response = dev_api.patch("/api/v1/secrets/PARTNER", {"allowed_hosts": ["evil.example"]}, format="json")
    assert response.status_code == 403
