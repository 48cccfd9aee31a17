"""The playground runs a custom HTTP tool against real servers on 127.0.0.1 with every protection:
the project allow-list, redirects re-checked, timeouts, the response size cap, secrets redacted."""
import json
import threading

import pytest

from accounts import services as account_services
from tests.runtime.tools.local_server import Answer, json_answer, redirect
from tests.tools.conftest import http_tool, invoke

pytestmark = pytest.mark.django_db(transaction=True)  # tool threads read the project data key on their own connection


def order_tool(api, server, **extra) -> dict:
    body = {"method": "GET", "url": server.url("/orders/{order_id}"),
            "input_schema": {"type": "object", "properties": {"order_id": {"type": "string"}},
                             "required": ["order_id"], "additionalProperties": False}, **extra}
    return http_tool(api, "get_order", body)


def test_allow_listed_local_server_is_called(api, server, allow_loopback):
    server.route("/orders/42", lambda seen: json_answer({"id": 42, "state": "shipped"}))
    tool = order_tool(api, server)
    response = invoke(api, tool["id"], {"order_id": "42"})
    assert response.status_code == 200, response.content
    assert response.json()["output"]["status"] == 200
    assert response.json()["output"]["body"] == {"id": 42, "state": "shipped"}
    assert response.json()["tool"] == "get_order"
    assert [s.path for s in server.seen] == ["/orders/42"]


def test_the_same_call_is_refused_without_the_allow_list(project, api, server, allow_loopback):
    server.route("/orders/42", lambda seen: json_answer({"id": 42}))
    tool = order_tool(api, server)
    assert invoke(api, tool["id"], {"order_id": "42"}).status_code == 200
    project.http_allowlist = []
    project.save(update_fields=["http_allowlist"])
    response = invoke(api, tool["id"], {"order_id": "42"})
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["tool_error"]["type"] == "tool_refused"
    assert "allow-list" in response.json()["detail"]
    assert len(server.seen) == 1  # the refused call never reached the server


def test_redirect_to_a_private_address_is_refused(api, server, allow_loopback):
    server.route("/orders/1", lambda seen: redirect("http://10.11.12.13/internal"))
    server.route("/orders/2", lambda seen: redirect("http://169.254.169.254/latest/meta-data/"))
    tool = order_tool(api, server)
    for order, address in (("1", "10.11.12.13"), ("2", "169.254.169.254")):
        response = invoke(api, tool["id"], {"order_id": order})
        assert response.status_code == 403, response.content
        assert address in response.json()["detail"]


def test_slow_server_hits_the_timeout(api, server, allow_loopback):
    held = threading.Event()
    server.route("/orders/slow", lambda seen: Answer(200, b"{}", hold=held))
    tool = order_tool(api, server, timeout_s=0.5, retry={"max_attempts": 1})
    try:
        response = invoke(api, tool["id"], {"order_id": "slow"})
    finally:
        held.set()
    assert response.status_code == 504, response.content
    assert response.json()["tool_error"]["type"] == "tool_timeout"
    # The HTTP client's own timeout (the tool's 0.5 s, not the project's 30 s) ended the request.
    assert response.json()["detail"] == "HTTP request to 127.0.0.1 timed out"


def test_huge_body_is_cut_at_the_cap(api, server, allow_loopback):
    chunk = b"x" * (256 * 1024)
    server.route("/orders/big", lambda seen: Answer(200, headers={"Content-Type": "text/plain"},
                                                    chunks=iter([chunk] * 40)))  # 10 MiB
    tool = order_tool(api, server)
    response = invoke(api, tool["id"], {"order_id": "big"})
    assert response.status_code == 200, response.content[:300]
    output = response.json()["output"]
    assert output["truncated"] is True
    assert len(output["body"]) == 1024 * 1024


def test_input_is_validated_before_the_call(api, server, allow_loopback):
    tool = order_tool(api, server)
    response = invoke(api, tool["id"], {"order_id": 42, "extra": True})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert "input.order_id" in errors and "input" in errors
    assert server.seen == []


def test_output_schema_violation_is_a_tool_error(api, server, allow_loopback):
    server.route("/orders/7", lambda seen: json_answer({"id": 7}))
    tool = order_tool(api, server, output_schema={"type": "object", "required": ["nonexistent"]})
    response = invoke(api, tool["id"], {"order_id": "7"})
    assert response.status_code == 502
    assert response.json()["tool_error"]["type"] == "tool_output_invalid"


def test_secrets_in_headers_reach_the_server_but_never_the_response(project, api, server, allow_loopback):
    account_services.set_secret(project=project, name="ORDERS_TOKEN", value="s3cr3t-token-value",
                                allowed_hosts=["127.0.0.1"])
    server.route("/echo", lambda seen: json_answer({"you_sent": seen.headers}))
    tool = http_tool(api, "echo", {"method": "GET", "url": server.url("/echo"),
                                   "headers": {"Authorization": "Bearer {secret:ORDERS_TOKEN}"}})
    assert tool["secret_refs"] == ["ORDERS_TOKEN"]
    response = invoke(api, tool["id"], {})
    assert response.status_code == 200
    assert server.seen[0].headers["Authorization"] == "Bearer s3cr3t-token-value"
    assert "s3cr3t-token-value" not in response.content.decode()
    assert "[REDACTED]" in json.dumps(response.json()["output"]["body"])


def test_missing_secret_is_refused(api, server, allow_loopback):
    tool = http_tool(api, "echo", {"method": "GET", "url": server.url("/echo"),
                                   "headers": {"Authorization": "Bearer {secret:NOPE}"}})
    response = invoke(api, tool["id"], {})
    assert response.status_code == 403 and "NOPE" in response.json()["detail"]
    assert server.seen == []


def test_builtin_http_tool_with_config(api, server, allow_loopback):
    server.route("/ping", lambda seen: json_answer({"pong": seen.headers.get("X-Demo")}))
    response = invoke(api, "http", {"method": "GET", "url": server.url("/ping")},
                      config={"headers": {"X-Demo": "yes"}, "timeout_s": 5})
    assert response.status_code == 200, response.content
    assert response.json()["output"]["body"] == {"pong": "yes"}
    bad = invoke(api, "http", {"method": "GET", "url": server.url("/ping")}, config={"timeout_s": 9999})
    assert bad.status_code == 400 and "config.timeout_s" in bad.json()["errors"]


def test_idempotent_tool_sends_its_rendered_idempotency_key(api, server, allow_loopback):
    server.route("/orders", lambda seen: json_answer({"ok": True}, status=201))
    tool = http_tool(api, "create_order", {
        "method": "POST", "url": server.url("/orders"), "side_effect": "idempotent",
        "idempotency_key_template": "order-{input[ref]}",
        "input_schema": {"type": "object", "properties": {"ref": {"type": "string"}}, "required": ["ref"]}})
    assert invoke(api, tool["id"], {"ref": "A1{secret:X}"}).status_code == 200
    assert server.seen[0].headers["Idempotency-Key"] == "order-A1-secret:X-"
    assert server.seen[0].json() == {"ref": "A1{secret:X}"}


def test_any_project_secret_in_an_output_is_redacted(project, api, server, allow_loopback):
    account_services.set_secret(project=project, name="UNRELATED", value="leaky-value-123")
    server.route("/leak", lambda seen: json_answer({"found": "the value is leaky-value-123"}))
    tool = http_tool(api, "leak", {"method": "GET", "url": server.url("/leak")})
    response = invoke(api, tool["id"], {})
    assert response.status_code == 200
    assert response.json()["output"]["body"] == {"found": "the value is [REDACTED]"}
