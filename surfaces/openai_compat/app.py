"""The `/v1/…` ASGI app (routed before Django in `agent_platform/asgi.py`, like run SSE streams):
a completion waits on the run's events for minutes, so it is served async and holds no database
connection or Django thread while it waits.

`POST /v1/chat/completions` → `runs.services.create_run`, then the run's events: `model.delta`
becomes a content chunk (`stream: true`) and the terminal event ends the answer. Every response
of a started run carries `X-Run-Id`. A client that disconnects cancels its run."""
from __future__ import annotations

import asyncio
import json

from rest_framework.exceptions import APIException

from agent_platform.api.errors import _to_api_exception  # the one problem mapping (status by error class)
from agent_platform.service_errors import ServiceError
from runs.streaming import StreamRevoked
from surfaces import runs_bridge
from surfaces.access import Caller, caller_for
from surfaces.db import db_call
from surfaces.openai_compat import chat_response as out
from surfaces.openai_compat.chat_request import MAX_BODY_BYTES, ChatRequest, chat_request, parse_body
from surfaces.openai_compat.errors import UNAUTHORIZED, OpenAIError, invalid
from surfaces.openai_compat.model_list import model_entry, model_list
from surfaces.targets import Target, TargetRef, UnknownTarget, UnusableInput, message_input, resolve

PREFIX = "/v1/"
TERMINAL = frozenset({"run.succeeded", "run.failed", "run.cancelled", "run.timed_out"})
REVOKED = OpenAIError(401, "The API key was revoked or expired during the request.", code="invalid_api_key")
_SSE_HEADERS = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache"),
                (b"x-accel-buffering", b"no")]


def handles(path: str) -> bool:
    return path.startswith(PREFIX) or path == "/v1"


async def application(scope, receive, send) -> None:
    try:
        await _route(scope, receive, send)
    except OpenAIError as exc:
        await _json(send, exc.status, exc.body(), _error_headers(exc))


async def _route(scope, receive, send) -> None:
    path, method = scope["path"].rstrip("/"), scope["method"]
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
    if path not in ("/v1/chat/completions", "/v1/models") and not path.startswith("/v1/models/"):
        raise OpenAIError(404, f"Unknown request URL: {method} {scope['path']}.", code="unknown_url")
    caller = await caller_for(headers.get("authorization", ""))
    if caller is None:
        raise UNAUTHORIZED
    if path == "/v1/chat/completions":
        if method != "POST":
            raise OpenAIError(405, "Use POST.", code="method_not_allowed")
        body = parse_body(await _read_body(receive), headers.get("content-type", ""))
        return await _chat(caller, chat_request(body), receive, send)
    if method != "GET":
        raise OpenAIError(405, "Use GET.", code="method_not_allowed")
    if not caller.may("read_project"):
        raise OpenAIError(403, "This API key may not read the project.", code="permission_denied")
    if path == "/v1/models":
        return await _json(send, 200, await model_list(caller.project))
    return await _json(send, 200, await model_entry(caller.project, path.removeprefix("/v1/models/")))


async def _read_body(receive) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise OpenAIError(400, "The client went away.", code="client_disconnected")
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > MAX_BODY_BYTES:
            raise OpenAIError(413, "The request body is too large.", code="payload_too_large")
        if not message.get("more_body"):
            return b"".join(chunks)


@db_call
def _prepare(caller: Caller, request: ChatRequest) -> tuple[Target, dict]:
    try:
        target = resolve(caller.project, TargetRef.parse(request.model))
        return target, message_input(target, request.message, request.history)
    except UnknownTarget as exc:
        raise OpenAIError(404, str(exc), param="model", code="model_not_found") from None
    except UnusableInput as exc:
        raise invalid(str(exc), "messages") from None


async def _chat(caller: Caller, request: ChatRequest, receive, send) -> None:
    if not caller.may("write_project"):
        raise OpenAIError(403, "This API key may not start runs (it needs the developer role or above).",
                          code="permission_denied")
    target, data = await _prepare(caller, request)
    metadata = {"surface": "openai", **({"user": request.user} if request.user else {})}
    try:
        run = await runs_bridge.start_run(caller, target, data, metadata)
    except (ServiceError, APIException) as exc:
        raise _refusal(exc) from None
    answer = _stream if request.stream else _complete
    watcher = asyncio.ensure_future(_disconnected(receive))
    work = asyncio.ensure_future(answer(caller, run.pk, request, target.label, send))
    try:
        done, _ = await asyncio.wait({work, watcher}, return_when=asyncio.FIRST_COMPLETED)
        if work not in done:  # the client went away: nobody will read the answer
            work.cancel()
            await runs_bridge.cancel_run(run.pk)
            return
        work.result()
    finally:
        watcher.cancel()


def _refusal(exc: Exception) -> OpenAIError:
    """create_run's typed refusal, in OpenAI's shape (the one problem mapping decides the status)."""
    api = _to_api_exception(exc) or exc
    status = getattr(api, "status_code", 400)
    fields = getattr(api, "errors", None) or {}
    param = next(iter(fields), None)
    message = str(getattr(api, "detail", exc))
    if param and param.startswith("input"):
        param = "messages"
    code = getattr(api, "default_code", None)
    return OpenAIError(400 if status == 422 else status, message, param=param, code=code,
                       retry_after=int(getattr(api, "wait", 0) or 0) or None)


async def _disconnected(receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _wait_for_end(caller: Caller, run_id: str):
    events = await _events(caller, run_id)
    try:
        async for event in events:
            if event is not None and event["type"] in TERMINAL:
                break
    except StreamRevoked:
        raise REVOKED from None
    finally:
        await events.aclose()
    return await runs_bridge.finished_run(run_id)


async def _events(caller: Caller, run_id: str):
    try:
        return await runs_bridge.run_events(caller, run_id)
    except PermissionError:
        raise REVOKED from None


async def _complete(caller: Caller, run_id: str, request: ChatRequest, fingerprint: str, send) -> None:
    run = await _wait_for_end(caller, run_id)
    try:
        content = out.outcome(run, request)
    except OpenAIError as exc:
        return await _json(send, exc.status, exc.body(), _error_headers(exc) + _run_header(run_id))
    await _json(send, 200, out.completion(run, request, content, fingerprint), _run_header(run_id))


async def _stream(caller: Caller, run_id: str, request: ChatRequest, fingerprint: str, send) -> None:
    events = await _events(caller, run_id)
    await send({"type": "http.response.start", "status": 200, "headers": _SSE_HEADERS + _run_header(run_id)})

    async def frame(body: dict | str) -> None:
        data = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
        await send({"type": "http.response.body", "body": f"data: {data}\n\n".encode(), "more_body": True})

    await frame(out.chunk(run_id, request, fingerprint, delta={"role": "assistant", "content": ""}))
    streamed, revoked = False, False
    try:
        async for event in events:
            if event is None:
                await send({"type": "http.response.body", "body": b": keep-alive\n\n", "more_body": True})
            elif event["type"] == "model.delta" and not request.json_mode and event["data"].get("text"):
                await frame(out.chunk(run_id, request, fingerprint, delta={"content": event["data"]["text"]}))
                streamed = True
            elif event["type"] in TERMINAL:
                break
    except StreamRevoked:
        revoked = True
    finally:
        await events.aclose()
    run = await runs_bridge.finished_run(run_id)
    try:
        if revoked:
            raise REVOKED
        content = out.outcome(run, request)
    except OpenAIError as exc:
        await frame(exc.body())  # the openai clients raise an APIError on an `error` frame
    else:
        if not streamed and content:  # no deltas (structured output, output guardrails, workflows)
            await frame(out.chunk(run_id, request, fingerprint, delta={"content": content}))
        await frame(out.chunk(run_id, request, fingerprint, finish_reason="stop"))
        if request.include_usage:
            await frame(out.chunk(run_id, request, fingerprint, usage_of=run))
    await frame("[DONE]")
    await send({"type": "http.response.body", "body": b"", "more_body": False})


def _run_header(run_id: str) -> list[tuple[bytes, bytes]]:
    return [(b"x-run-id", run_id.encode())]


def _error_headers(exc: OpenAIError) -> list[tuple[bytes, bytes]]:
    headers = []
    if exc.status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="api"'))
    if exc.retry_after:
        headers.append((b"retry-after", str(exc.retry_after).encode()))
    return headers


async def _json(send, status: int, body: dict, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    data = json.dumps(body, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": data})

