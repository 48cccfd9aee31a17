"""Configured HTTP endpoint tools: where each input field goes."""
from __future__ import annotations

import pytest

from runtime.errors import ToolInputInvalid
from runtime.tools.http_endpoint import HttpEndpoint, HttpEndpointTool, tool_from_config
from tests.runtime.tools.conftest import LOOPBACK, make_ctx
from tests.runtime.tools.local_server import json_answer


def record(seen):
    return json_answer({"method": seen.method, "path": seen.path, "query": seen.query,
                        "body": seen.json() if seen.body else None, "trace": seen.headers.get("X-Trace")})


def test_path_fields_are_percent_encoded_into_the_url_template(server):
    server.route("/orders/a%2Fb%20c", record)
    endpoint = HttpEndpoint(method="GET", url=server.url("/orders/{order_id}"))
    tool = HttpEndpointTool(name="get_order", description="d", endpoint=endpoint)
    out = tool.invoke({"order_id": "a/b c"}, make_ctx(policy=LOOPBACK))
    assert out["status"] == 200
    assert server.seen[0].path == "/orders/a%2Fb%20c"


def test_get_sends_remaining_fields_as_query_and_header_params_as_headers(server):
    server.route("/search", record)
    endpoint = HttpEndpoint(method="GET", url=server.url("/search"), header_params={"trace": "X-Trace"})
    tool = HttpEndpointTool(name="search", description="d", endpoint=endpoint)
    out = tool.invoke({"q": "shoes", "limit": 5, "exact": True, "trace": "t-1"}, make_ctx(policy=LOOPBACK))
    assert out["body"]["query"] == {"q": ["shoes"], "limit": ["5"], "exact": ["true"]}
    assert out["body"]["trace"] == "t-1"


def test_post_sends_remaining_fields_as_json_body(server):
    server.route("/orders/7/notes", record)
    endpoint = HttpEndpoint(method="POST", url=server.url("/orders/{id}/notes"), query=("notify",))
    tool = HttpEndpointTool(name="add_note", description="d", endpoint=endpoint)
    out = tool.invoke({"id": 7, "notify": False, "text": "hi", "tags": ["a"]}, make_ctx(policy=LOOPBACK))
    assert out["body"]["body"] == {"text": "hi", "tags": ["a"]}
    assert out["body"]["query"] == {"notify": ["false"]}


def test_body_field_is_sent_as_the_json_body(server):
    server.route("/items", record)
    endpoint = HttpEndpoint(method="PUT", url=server.url("/items"), body_field="item")
    tool = HttpEndpointTool(name="put_item", description="d", endpoint=endpoint)
    out = tool.invoke({"item": [1, 2, 3]}, make_ctx(policy=LOOPBACK))
    assert out["body"]["body"] == [1, 2, 3]


def test_missing_path_field_is_an_input_error(server):
    endpoint = HttpEndpoint(method="GET", url=server.url("/orders/{order_id}"))
    tool = HttpEndpointTool(name="get_order", description="d", endpoint=endpoint)
    with pytest.raises(ToolInputInvalid):
        tool.invoke({}, make_ctx(policy=LOOPBACK))
    assert server.seen == []


def test_spec_reflects_method_secrets_and_default_schema():
    config = {"name": "create", "description": "Create", "endpoint": {
        "method": "post", "url": "https://api.example.com/v1/{tenant}/things",
        "headers": {"Authorization": "Bearer {secret:TOKEN}"}}}
    tool = tool_from_config(config)
    assert tool.spec.side_effect == "side_effecting"
    assert tool.spec.secret_refs == ("TOKEN",)
    assert tool.spec.input_schema["required"] == ["tenant"]
    read = tool_from_config({"name": "list", "endpoint": {"method": "GET", "url": "https://api.example.com/x"}})
    assert read.spec.side_effect == "read_only"
