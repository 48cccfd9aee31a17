"""The input boundary: what every request must satisfy before any view, serializer or query sees it.

- JSON bodies (`BoundedJSONParser`, the only JSON parser DRF uses): at most `MAX_JSON_DEPTH` nested
  arrays/objects (deeper documents would blow the stack of every recursive walker: serializers,
  the JSON Schema validator, psycopg's adapter), no NUL character and no lone UTF-16 surrogate in
  any string or key (PostgreSQL text and jsonb refuse both; Python's `json` accepts `"\\ud800"`).
- Path segments and query parameters (`InputBoundaryMiddleware`): no NUL, no lone surrogate.

Each refusal is a 400 problem+json naming the field (`body.input.text`, `query.agent`, `path`).
The same rule covers the ASGI apps served before Django and websockets (`refusing_bad_characters`).
Headers over the server's limits (a line over 16 KiB, 16 KiB in total, 500 headers) are answered
431 problem+json by Daphne/Twisted before Django (`answer_oversized_header_lines`).
"""
from __future__ import annotations

import codecs
import json
import re
from typing import Any
from urllib.parse import parse_qsl

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.settings import api_settings
from rest_framework.utils import json as drf_json

from agent_platform.api.errors import ApiError, problem, problem_response

MAX_JSON_DEPTH = 64  # nested arrays/objects in a request body (and in any JSON Schema it carries)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class InputRefused(ApiError):
    """A value no part of the platform can store or process (NUL, lone surrogate, too deep)."""

    def __init__(self, field: str, message: str, code: str = "invalid_input") -> None:
        super().__init__(f"{field}: {message}", errors={field: [message]}, code=code)


def bad_character(text: str) -> str | None:
    """Why `text` cannot be accepted, or None."""
    if "\x00" in text:
        return "must not contain a NUL character (\\u0000)"
    if _LONE_SURROGATE.search(text):
        return "must not contain a lone UTF-16 surrogate (\\ud800-\\udfff)"
    return None


def check_json_value(value: Any, field: str = "body", max_depth: int = MAX_JSON_DEPTH) -> None:
    """Raise `InputRefused` naming the first bad string/key in `value` or the place it is too deep.

    Iterative (an explicit stack), so it cannot itself overflow."""
    stack: list[tuple[Any, str, int]] = [(value, field, 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            reason = bad_character(item)
            if reason:
                raise InputRefused(path, reason)
        elif isinstance(item, (dict, list)):
            if depth >= max_depth:
                raise InputRefused(path, f"is nested more than {max_depth} levels deep", code="too_deep")
            if isinstance(item, dict):
                for key, child in item.items():
                    reason = bad_character(key)
                    child_path = f"{path}.{_printable(key)}"
                    if reason:
                        raise InputRefused(child_path, f"key {reason}")
                    stack.append((child, child_path, depth + 1))
            else:
                stack.extend((child, f"{path}[{index}]", depth + 1) for index, child in enumerate(item))


def _printable(key: str) -> str:
    return key.encode("unicode_escape").decode("ascii")[:60]


def _nesting_exceeds(text: str, max_depth: int) -> bool:
    """True when `text` opens more than `max_depth` arrays/objects at once (strings skipped).

    Runs before `json.loads`, whose C decoder recurses per level and raises RecursionError."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > max_depth:
                return True
        elif char in "]}":
            depth -= 1
    return False


def load_bounded_json(text: str, field: str = "body", max_depth: int = MAX_JSON_DEPTH) -> Any:
    """`json.loads` with the boundary's rules; `InputRefused`/`ValueError` on bad input."""
    if _nesting_exceeds(text, max_depth):
        raise InputRefused(field, f"is nested more than {max_depth} levels deep", code="too_deep")
    value = json.loads(text, parse_constant=drf_json.strict_constant if api_settings.STRICT_JSON else None)
    check_json_value(value, field, max_depth)
    return value


class BoundedJSONParser(JSONParser):
    """DRF's JSONParser behind the input boundary (depth, NUL, lone surrogates)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", "utf-8")
        try:
            text = codecs.getreader(encoding)(stream).read()
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        try:
            return load_bounded_json(text)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        except RecursionError:  # belt and braces: the pre-scan should make this unreachable
            raise InputRefused("body", f"is nested more than {MAX_JSON_DEPTH} levels deep", code="too_deep") from None


class InputBoundaryMiddleware:
    """400 problem+json for a NUL or lone surrogate in the path or a query parameter (API paths)."""

    API_PREFIXES = ("/api/", "/v1/", "/mcp")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(self.API_PREFIXES):
            refusal = self._refusal(request)
            if refusal is not None:
                field, reason = refusal
                return problem_response(400, "Invalid request", f"{field}: {reason}", {field: [reason]})
        return self.get_response(request)

    @staticmethod
    def _refusal(request) -> tuple[str, str] | None:
        reason = bad_character(request.path)
        if reason:
            return "path", reason
        for name, values in request.GET.lists():
            reason = bad_character(name)
            if reason:
                return f"query.{_printable(name)}", f"name {reason}"
            for value in values:
                reason = bad_character(value)
                if reason:
                    return f"query.{_printable(name)}", reason
        return None


def _header_too_large(detail: str) -> bytes:
    body = json.dumps({"type": "https://agent-platform.dev/problems/request_header_fields_too_large",
                       "title": "Request header fields too large", "status": 431, "detail": detail}).encode()
    return (b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: application/problem+json\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))


_LINE_TOO_LONG = _header_too_large("A request header line is longer than the server accepts (16 KiB).")
_HEADERS_TOO_LARGE = _header_too_large("The request's headers are larger than the server accepts "
                                       "(16 KiB in total, at most 500 headers).")


def answer_oversized_header_lines() -> None:
    """Make Daphne answer 431 problem+json for headers over Twisted's limits.

    Daphne serves HTTP with Twisted's `HTTPChannel`, a `LineReceiver` whose `MAX_LENGTH` (16 KiB)
    bounds the request line and each header line; past it `lineLengthExceeded` just drops the
    connection (the client sees no response at all). Headers that are each short but together over
    `totalHeadersSize` (16 KiB) or `maxHeaders` (500) get a bare `400 Bad Request` and a close.
    Daphne has no setting for either, so the channel's handlers are wrapped here (called from
    agent_platform/asgi.py): all three answer 431 problem+json, then close."""
    try:
        from twisted.web import http
    except ImportError:  # not running under Daphne/Twisted
        return
    channel = http.HTTPChannel
    if getattr(channel.lineLengthExceeded, "answers_431", False):
        return
    line_received, header_received = channel.lineReceived, channel.headerReceived

    def refuse(self, answer: bytes) -> None:
        if not getattr(self, "_answered_431", False):
            self._answered_431 = True
            self.transport.write(answer)
            self.loseConnection()

    def line_length_exceeded(self, line):
        refuse(self, _LINE_TOO_LONG)

    def checked_line(self, line):
        if getattr(self, "_answered_431", False):
            return None
        if self._receivedHeaderSize + len(line) > self.totalHeadersSize:
            return refuse(self, _HEADERS_TOO_LARGE)
        return line_received(self, line)

    def checked_header(self, line):
        if self._receivedHeaderCount >= self.maxHeaders:
            refuse(self, _HEADERS_TOO_LARGE)
            return False
        return header_received(self, line)

    line_length_exceeded.answers_431 = True  # type: ignore[attr-defined]
    channel.lineLengthExceeded = line_length_exceeded
    channel.lineReceived = checked_line
    channel.headerReceived = checked_header


def refusing_bad_characters(app):
    """ASGI wrapper with the middleware's rule for the apps served before Django (run event streams,
    the OpenAI-compatible and MCP surfaces) and for websockets: a NUL or lone surrogate in the path or
    a query parameter is a 400 problem+json naming the field (a websocket is accepted, then closed
    with 4400, like the other websocket refusals)."""

    async def application(scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            refusal = _scope_refusal(scope)
            if refusal is not None:
                return await _refuse(scope, receive, send, *refusal)
        return await app(scope, receive, send)

    return application


def _scope_refusal(scope) -> tuple[str, str] | None:
    reason = bad_character(scope.get("path", ""))
    if reason:
        return "path", reason
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True, encoding="utf-8", errors="surrogateescape"):
        reason = bad_character(name)
        if reason:
            return f"query.{_printable(name)}", f"name {reason}"
        reason = bad_character(value)
        if reason:
            return f"query.{_printable(name)}", reason
    return None


async def _refuse(scope, receive, send, field: str, reason: str) -> None:
    if scope["type"] == "websocket":
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": 4400})
        return
    body = json.dumps(problem(400, "Invalid request", f"{field}: {reason}", {field: [reason]})).encode()
    await send({"type": "http.response.start", "status": 400,
                "headers": [(b"content-type", b"application/problem+json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class BoundedMultiPartParser(MultiPartParser):
    """DRF's MultiPartParser behind the same rules for its form fields and file names."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        for name, values in parsed.data.lists():
            check_json_value(name, "body")
            for value in values:
                check_json_value(value, f"body.{_printable(name)}")
        for name, files in parsed.files.lists():
            for upload in files:
                check_json_value(upload.name or "", f"body.{_printable(name)}.filename")
        return parsed
