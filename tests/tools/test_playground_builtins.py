"""The playground with built-ins (kv in Postgres per project, the code sandbox) and with a tool
that requires approval (the caller must approve the call explicitly)."""
import pytest

from tests.conftest import client_for, make_key
from tests.runtime.tools.local_server import json_answer
from tests.runtime.tools.sandbox_helpers import needs_bwrap
from tests.tools.conftest import http_tool, invoke


@pytest.mark.django_db(transaction=True)  # the kv store writes from the call's own thread
def test_kv_is_namespaced_per_project(project, other_project, api):
    other = client_for(make_key(other_project, "owner"))
    assert invoke(api, "kv", {"op": "set", "key": "city", "value": "Paris", "ttl_s": 60}).json()["output"] == {
        "ok": True}
    assert invoke(api, "kv", {"op": "get", "key": "city"}).json()["output"] == {"found": True, "value": "Paris"}
    assert invoke(other, "kv", {"op": "get", "key": "city"}).json()["output"] == {"found": False, "value": None}
    assert invoke(api, "kv", {"op": "list", "prefix": "ci"}).json()["output"] == {"keys": ["city"]}
    too_big = invoke(api, "kv", {"op": "set", "key": "big", "value": "x" * 70_000})
    assert too_big.status_code == 422 and "input.value" in too_big.json()["errors"]


@needs_bwrap
@pytest.mark.django_db
def test_code_runs_in_the_sandbox(api):
    ok = invoke(api, "code", {"code": "return sum(input)", "input": [1, 2, 3]})
    assert ok.status_code == 200 and ok.json()["output"]["result"] == 6
    failed = invoke(api, "code", {"code": "return open('/etc/passwd').read()"})
    assert failed.status_code == 502
    assert failed.json()["tool_error"]["type"] == "code_error" and "root:" not in failed.content.decode()
    limited = invoke(api, "code", {"code": "while True:\n    pass"}, config={"cpu_s": 0.5, "wall_s": 8})
    assert limited.status_code == 502 and limited.json()["tool_error"]["type"] == "sandbox_limit_exceeded"


@pytest.mark.django_db
def test_a_tool_that_requires_approval_runs_only_when_approved(api, server, allow_loopback):
    server.route("/refund", lambda seen: json_answer({"ok": True}))
    tool = http_tool(api, "refund", {"method": "POST", "url": server.url("/refund"), "requires_approval": True})
    refused = invoke(api, tool["id"], {})
    assert refused.status_code == 409 and "approve" in refused.json()["errors"]
    assert server.seen == []
    assert invoke(api, tool["id"], {}, approve=True).status_code == 200
    assert len(server.seen) == 1


@pytest.mark.django_db
def test_unknown_tools_and_custom_tool_config(api, server):
    assert invoke(api, "nope", {}).status_code == 404
    tool = http_tool(api, "ping", {"method": "GET", "url": server.url("/ping")})
    response = invoke(api, tool["id"], {}, config={"timeout_s": 1})
    assert response.status_code == 400 and "config" in response.json()["errors"]
