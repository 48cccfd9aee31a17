"""The input boundary: bad input anywhere answers 4xx problem+json naming the field, never a 500.

Each case is a request that used to answer 500 (RecursionError, DataError, ValueError from psycopg)
or a bare 400 with no body (issue 15, item 12)."""
from __future__ import annotations

import json

import pytest

from agent_platform.api.input_boundary import MAX_JSON_DEPTH
from tests.conftest import client_for, make_key
from tests.runs.factories import scripted_agent


def nested(depth: int, leaf=1):
    value = leaf
    for _ in range(depth):
        value = {"a": value}
    return value


def nested_text(depth: int, leaf: str = "1") -> str:
    return '{"a":' * depth + leaf + "}" * depth


def nested_array_text(depth: int) -> str:
    return "[" * depth + "]" * depth


def assert_problem(response, status: int | tuple[int, ...], field: str | None = None):
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    body = response.json()
    assert body["status"] == response.status_code and body["type"].startswith("https://")
    if field is not None:
        assert field in body.get("errors", {}), body
    return body


@pytest.fixture
def dev(project):
    return client_for(make_key(project, "developer"))


@pytest.fixture
def agent(project):
    agent, _ = scripted_agent(project, name="helper")
    return agent


def post_raw(client, path: str, text: str):
    return client.generic("POST", path, text.encode("utf-8", "surrogatepass"), content_type="application/json")


DEEP_BODIES = [
    pytest.param(nested_text(1000), id="object-1000"),
    pytest.param(nested_array_text(5000), id="array-5000"),
    pytest.param(json.dumps(nested(MAX_JSON_DEPTH + 1)), id="object-just-over-limit"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/agents", "/api/v1/runs", "/api/v1/knowledge-bases", "/api/v1/tools"])
@pytest.mark.parametrize("text", DEEP_BODIES)
def test_deeply_nested_json_is_refused_on_every_json_endpoint(api, path, text):
    assert_problem(post_raw(api, path, text), 400, "body")


@pytest.mark.django_db
def test_nesting_within_the_limit_passes_the_boundary(dev, agent):
    response = dev.post("/api/v1/runs", {"agent": "helper", "input": {"message": "x"},
                                         "metadata": {"deep": nested(MAX_JSON_DEPTH - 4, "ok")}}, format="json")
    assert response.status_code != 500 and response.status_code != 400 or "body" not in response.json().get(
        "errors", {}), response.content


@pytest.mark.django_db
def test_input_schema_nested_500_deep_is_refused(api, agent):
    schema = '{"type": "object", "properties": {"a": ' * 500 + '{"type": "string"}' + "}}" * 500
    response = post_raw(api, f"/api/v1/agents/{agent.pk}/versions",
                        '{"model": "scripted/x", "instructions": "hi", "input_schema": ' + schema + "}")
    assert_problem(response, 400, "body")


NUL_BODIES = [
    pytest.param("/api/v1/agents", {"name": "a\u0000b"}, "body.name", id="agent-name"),
    pytest.param("/api/v1/runs", {"agent": "helper", "input": {"message": "a\u0000b"}}, "body.input.message",
                 id="run-input"),
    pytest.param("/api/v1/runs", {"agent": "helper", "input": {"message": "x"}, "metadata": {"k\u0000": "v"}},
                 "body.metadata.k\\x00", id="metadata-key"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("path, body, field", NUL_BODIES)
def test_nul_in_any_json_string_or_key_is_refused(dev, agent, path, body, field):
    assert_problem(dev.post(path, body, format="json"), 400, field)


@pytest.mark.django_db
def test_nul_in_instructions_is_refused(api, agent):
    response = api.post(f"/api/v1/agents/{agent.pk}/versions", {"model": "scripted/x", "instructions": "be\u0000"},
                        format="json")
    assert_problem(response, 400, "body.instructions")


@pytest.mark.django_db
def test_nul_in_document_metadata_is_refused(api):
    kb = api.post("/api/v1/knowledge-bases", {"name": "docs"}, format="json")
    assert kb.status_code == 201, kb.content
    response = api.post(f"/api/v1/knowledge-bases/{kb.json()['id']}/documents",
                        {"name": "n", "text": "hello", "metadata": {"a": "b\u0000"}}, format="json")
    assert_problem(response, 400, "body.metadata.a")


@pytest.mark.django_db
def test_lone_surrogate_in_run_input_is_refused(dev, agent):
    response = post_raw(dev, "/api/v1/runs", '{"agent": "helper", "input": {"message": "\\ud800"}}')
    assert_problem(response, 400, "body.input.message")


@pytest.mark.django_db
@pytest.mark.parametrize("path, field", [
    ("/api/v1/agents/a%00b", "path"),
    ("/api/v1/runs?agent=%00", "query.agent"),
    ("/api/v1/runs?status=ok&%00=1", "query.\\x00"),
    ("/api/v1/knowledge-bases/x%00y/documents", "path"),
])
def test_nul_in_path_or_query_is_refused(dev, path, field):
    assert_problem(dev.get(path), 400, field)


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["a\u0000b", "\ud800"], ids=["nul", "lone-surrogate"])
@pytest.mark.parametrize("where", ["key", "value"])
def test_kv_with_unstorable_text_is_a_client_error(dev, value, where):
    tool_input = {"op": "set", "key": value, "value": 1} if where == "key" else {"op": "set", "key": "k",
                                                                                   "value": {"v": value}}
    text = json.dumps({"input": tool_input})
    body = assert_problem(post_raw(dev, "/api/v1/tools/kv/invoke", text), (400, 422))
    assert "psycopg" not in json.dumps(body) and "NUL" in json.dumps(body) or "surrogate" in json.dumps(body)


@pytest.mark.django_db
@pytest.mark.parametrize("content", [b"", b"--x--\r\n"], ids=["empty", "no-parts"])
def test_empty_multipart_body_to_documents_is_a_problem(api, content):
    kb = api.post("/api/v1/knowledge-bases", {"name": "docs"}, format="json").json()
    response = api.generic("POST", f"/api/v1/knowledge-bases/{kb['id']}/documents", content,
                           content_type="multipart/form-data; boundary=x")
    assert_problem(response, 400)


@pytest.mark.django_db
def test_multipart_without_boundary_is_a_problem(api):
    kb = api.post("/api/v1/knowledge-bases", {"name": "docs"}, format="json").json()
    response = api.generic("POST", f"/api/v1/knowledge-bases/{kb['id']}/documents", b"",
                           content_type="multipart/form-data")
    assert_problem(response, 400)


@pytest.mark.django_db
@pytest.mark.parametrize("key, value", [("a\u0000", 1), ("\ud800", 1), ("k", {"v": "\u0000"}), ("k", ["\udfff"])])
def test_kv_store_refuses_unstorable_text_as_a_tool_input_error(project, key, value):
    from runtime.errors import ToolInputInvalid
    from tools.kv_store import PostgresKVStore

    with pytest.raises(ToolInputInvalid) as info:
        PostgresKVStore().set(str(project.pk), key, value)
    assert info.value.code == "tool_input_invalid" and "psycopg" not in info.value.message


@pytest.mark.django_db
@pytest.mark.parametrize("fields, field", [
    ({"name": "a\u0000b"}, "body.name"),
    ({"metadata": '{"k": "v\\u0000"}'}, "metadata.k"),
    ({"metadata": "[" * 200 + "]" * 200}, "metadata"),
])
def test_multipart_document_fields_with_nul_or_deep_json_are_refused(api, fields, field):
    from django.core.files.uploadedfile import SimpleUploadedFile

    kb = api.post("/api/v1/knowledge-bases", {"name": "docs"}, format="json").json()
    response = api.post(f"/api/v1/knowledge-bases/{kb['id']}/documents",
                        {"file": SimpleUploadedFile("a.txt", b"hello"), **fields}, format="multipart")
    assert_problem(response, 400, field)
