"""The built-in `http` tool against real servers on 127.0.0.1: allow-list, redirects, caps, time."""
from __future__ import annotations

import threading
import time

import pytest

from runtime.errors import ToolConnectionError, ToolRefused, ToolTimeout
from runtime.tools.http import HttpTool
from runtime.tools.http_client import SafeHttpClient
from runtime.tools.ssrf import HttpPolicy
from tests.runtime.tools.conftest import LOOPBACK, make_ctx
from tests.runtime.tools.local_server import Answer, json_answer, redirect


def test_allow_listed_loopback_server_is_called(server):
    server.route("/orders", lambda seen: json_answer({"id": 7, "q": seen.query.get("q")}))
    out = HttpTool().invoke({"method": "GET", "url": server.url("/orders"), "params": {"q": "a b"}},
                            make_ctx(policy=LOOPBACK))
    assert out["status"] == 200
    assert out["body"] == {"id": 7, "q": ["a b"]}
    assert out["headers"]["content-type"] == "application/json"
    assert out["truncated"] is False


def test_same_call_without_allow_list_is_refused_and_never_sent(server):
    server.route("/orders", lambda seen: json_answer({}))
    with pytest.raises(ToolRefused) as err:
        HttpTool().invoke({"method": "GET", "url": server.url("/orders")}, make_ctx(policy=HttpPolicy()))
    assert "127.0.0.1" in err.value.message
    assert server.seen == []


def test_default_policy_applies_when_the_context_has_none(server):
    with pytest.raises(ToolRefused):
        HttpTool().invoke({"method": "GET", "url": server.url("/")}, make_ctx())
    assert server.seen == []


@pytest.mark.parametrize("location", ["http://10.0.0.1/admin", "http://169.254.169.254/latest/meta-data/",
                                      "http://[::ffff:127.0.0.2]/", "http://0x7f.0.0.2/", "file:///etc/passwd"])
def test_redirect_to_a_private_address_is_refused(server, location):
    server.route("/go", lambda seen: redirect(location))
    with pytest.raises(ToolRefused):
        HttpTool().invoke({"method": "GET", "url": server.url("/go")}, make_ctx(policy=LOOPBACK))
    assert [s.path for s in server.seen] == ["/go"]


def test_allowed_redirect_is_followed_and_post_becomes_get_on_302(server):
    server.route("/old", lambda seen: redirect("/new"))
    server.route("/new", lambda seen: json_answer({"method": seen.method}))
    out = HttpTool().invoke({"method": "POST", "url": server.url("/old"), "json": {"a": 1}},
                            make_ctx(policy=LOOPBACK))
    assert out["body"] == {"method": "GET"}


def test_redirect_chain_longer_than_the_cap_is_refused(server):
    server.route("/loop", lambda seen: redirect("/loop"))
    with pytest.raises(ToolRefused) as err:
        HttpTool().invoke({"method": "GET", "url": server.url("/loop")},
                          make_ctx(policy=HttpPolicy(allow=("127.0.0.1",), max_redirects=3)))
    assert err.value.details["reason"] == "too_many_redirects"
    assert len(server.seen) == 4


def test_slow_server_hits_the_timeout(server):
    server.route("/slow", lambda seen: Answer(200, b"late", hold=server.release))
    policy = HttpPolicy(allow=("127.0.0.1",), timeout_s=0.3)
    started = time.monotonic()
    with pytest.raises(ToolTimeout):
        HttpTool().invoke({"method": "GET", "url": server.url("/slow")}, make_ctx(policy=policy))
    assert time.monotonic() - started < 2.0


def test_context_deadline_bounds_the_call_too(server):
    server.route("/slow", lambda seen: Answer(200, b"late", hold=server.release))
    ctx = make_ctx(policy=LOOPBACK)
    ctx.deadline = time.monotonic() + 0.3
    started = time.monotonic()
    with pytest.raises(ToolTimeout):
        HttpTool().invoke({"method": "GET", "url": server.url("/slow")}, ctx)
    assert time.monotonic() - started < 2.0


def test_huge_body_is_cut_at_the_cap(server):
    sent = threading.Event()

    def endless(_seen):
        def chunks():
            for _ in range(10_000):  # up to 640 MB if nobody stops reading
                yield b"x" * 65536
            sent.set()
        return Answer(200, headers={"Content-Type": "text/plain"}, chunks=chunks())

    server.route("/huge", endless)
    policy = HttpPolicy(allow=("127.0.0.1",), max_response_bytes=100_000)
    out = HttpTool().invoke({"method": "GET", "url": server.url("/huge")}, make_ctx(policy=policy))
    assert out["truncated"] is True
    assert len(out["body"]) == 100_000
    assert not sent.is_set()


def test_connection_refused_is_a_connection_error(server):
    port = server.port
    server.stop()
    with pytest.raises(ToolConnectionError):
        HttpTool().invoke({"method": "GET", "url": f"http://127.0.0.1:{port}/"}, make_ctx(policy=LOOPBACK))


def test_connects_to_the_checked_address_without_a_second_lookup(server):
    server.route("/who", lambda seen: json_answer({"host": seen.headers.get("Host")}))
    lookups: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"]

    tool = HttpTool(client=SafeHttpClient(resolver=resolver))
    # `api.invalid` exists in no DNS: the call can only work if the checked IP is used.
    out = tool.invoke({"method": "GET", "url": f"http://api.invalid:{server.port}/who"},
                      make_ctx(policy=HttpPolicy(allow=("api.invalid",))))
    assert out["body"] == {"host": f"api.invalid:{server.port}"}
    assert lookups == ["api.invalid"]


def test_text_body_is_returned_as_text_and_json_input_is_sent(server):
    server.route("/echo", lambda seen: Answer(201, seen.body.upper(), {"Content-Type": "text/plain"}))
    out = HttpTool().invoke({"method": "PUT", "url": server.url("/echo"), "json": {"k": "v"}},
                            make_ctx(policy=LOOPBACK))
    assert out["status"] == 201
    assert out["body"] == '{"K":"V"}'


def test_model_cannot_override_the_host_header(server):
    server.route("/h", lambda seen: json_answer({"host": seen.headers.get("Host")}))
    out = HttpTool().invoke({"method": "GET", "url": server.url("/h"), "headers": {"Host": "evil.example"}},
                            make_ctx(policy=LOOPBACK))
    assert out["body"]["host"] == f"127.0.0.1:{server.port}"
