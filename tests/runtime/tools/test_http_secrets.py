"""Secrets in HTTP tool headers and URLs: resolved from the context, never shown back."""
from __future__ import annotations

import pytest

from runtime.errors import ToolRefused
from runtime.tools.http import HttpTool
from runtime.tools.http_endpoint import HttpEndpoint, HttpEndpointTool
from runtime.tools.ssrf import HttpPolicy
from tests.runtime.tools.conftest import LOOPBACK, make_ctx
from tests.runtime.tools.local_server import json_answer, redirect

TOKEN = "tok-5up3r-s3cr3t"


def echo_headers(seen):
    return json_answer({"authorization": seen.headers.get("Authorization"), "path": seen.path,
                        "key": seen.headers.get("X-Api-Key"), "query": seen.query})


def test_configured_header_secret_is_sent_but_redacted_in_the_output(server):
    server.route("/me", echo_headers)
    tool = HttpTool(headers={"Authorization": "Bearer {secret:API_TOKEN}"})
    out = tool.invoke({"method": "GET", "url": server.url("/me")},
                      make_ctx(policy=LOOPBACK, secrets={"API_TOKEN": TOKEN}))
    assert server.seen[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert out["body"]["authorization"] == "Bearer [REDACTED]"
    assert TOKEN not in repr(out)


def test_missing_secret_is_refused_before_any_request(server):
    tool = HttpTool(headers={"Authorization": "Bearer {secret:API_TOKEN}"})
    with pytest.raises(ToolRefused) as err:
        tool.invoke({"method": "GET", "url": server.url("/me")}, make_ctx(policy=LOOPBACK))
    assert err.value.details["secret"] == "API_TOKEN"
    assert server.seen == []


def test_model_input_cannot_expand_a_secret_template(server):
    server.route("/me", echo_headers)
    out = HttpTool().invoke({"method": "GET", "url": server.url("/me"),
                             "headers": {"X-Api-Key": "{secret:API_TOKEN}"}},
                            make_ctx(policy=LOOPBACK, secrets={"API_TOKEN": TOKEN}))
    assert out["body"]["key"] == "{secret:API_TOKEN}"


def test_secret_in_url_is_redacted_from_refusal_errors(server):
    endpoint = HttpEndpoint(method="GET", url="http://10.0.0.1/hook/{secret:HOOK}")
    tool = HttpEndpointTool(name="hook", description="d", endpoint=endpoint)
    with pytest.raises(ToolRefused) as err:
        tool.invoke({}, make_ctx(policy=HttpPolicy(), secrets={"HOOK": TOKEN}))
    assert TOKEN not in str(err.value) and TOKEN not in repr(err.value.to_dict())


def test_secret_in_query_is_redacted_from_echoed_output(server):
    server.route("/q", echo_headers)
    endpoint = HttpEndpoint(method="GET", url=server.url("/q") + "?key={secret:KEY}")
    tool = HttpEndpointTool(name="q", description="d", endpoint=endpoint)
    out = tool.invoke({}, make_ctx(policy=LOOPBACK, secrets={"KEY": "a b/c"}))
    assert server.seen[0].query == {"key": ["a b/c"]}
    assert "a b/c" not in repr(out) and "a%20b%2Fc" not in repr(out)


def test_credentials_are_dropped_on_a_cross_origin_redirect(server, other_server):
    other_server.route("/landing", echo_headers)
    server.route("/start", lambda seen: redirect(other_server.url("/landing", host="localhost")))
    tool = HttpTool(headers={"Authorization": "Bearer {secret:T}", "X-Api-Key": "{secret:T}"})
    out = tool.invoke({"method": "GET", "url": server.url("/start")},
                      make_ctx(policy=HttpPolicy(allow=("127.0.0.0/8",)), secrets={"T": TOKEN}))
    assert out["body"]["authorization"] is None
    assert out["body"]["key"] is None
    assert server.seen[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_credentials_are_kept_on_a_same_origin_redirect(server):
    server.route("/start", lambda seen: redirect("/me"))
    server.route("/me", echo_headers)
    tool = HttpTool(headers={"Authorization": "Bearer {secret:T}"})
    tool.invoke({"method": "GET", "url": server.url("/start")}, make_ctx(policy=LOOPBACK, secrets={"T": TOKEN}))
    assert server.seen[1].headers["Authorization"] == f"Bearer {TOKEN}"
