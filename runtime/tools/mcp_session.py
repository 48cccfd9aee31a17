"""A live MCP client connection usable from plain synchronous code in any thread.

The `mcp` SDK is async. Every session runs on one private asyncio loop thread: a holder task
enters `mcp.Client` (which owns the server process or the HTTP session) and keeps it open
until `close()`; calls are submitted to that loop and waited for with a deadline. A call that
times out or is cancelled closes the session, which stops the server process tree (the SDK
closes stdin, then terminates and kills it), so nothing is left running; the next call
reconnects. Streamable-HTTP servers are reached through the SSRF guard, pinned to the
checked address.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import tempfile
import threading
import time
from collections.abc import Coroutine, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio
import httpx2
import mcp_types
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from runtime.errors import Cancelled, ToolConnectionError, ToolError, ToolTimeout
from runtime.secret_scope import check_secret_destination
from runtime.store import CancelToken, NeverCancelled
from runtime.tools.http_client import shared_ssl_context
from runtime.tools.secret_templates import PLACEHOLDER, render_template
from runtime.tools.ssrf import HttpPolicy, Resolver, check_url, system_resolver

T = TypeVar("T")
_POLL_S = 0.05
_CLOSE_TIMEOUT_S = 10.0  # the SDK bounds its own shutdown (stdin close, SIGTERM, SIGKILL) well below this


#: Where a secret in a stdio server's `env` goes: a process on the worker host itself.
STDIO_SECRET_HOST = "localhost"


def referenced_secret_names(config: MCPServerConfig) -> list[str]:
    """The secrets the server's `env` (stdio) or `headers` (HTTP) templates name."""
    templates = config.env.values() if config.command else config.headers.values()
    return sorted({m.group(2) for text in templates for m in PLACEHOLDER.finditer(text) if m.group(1)})


def referenced_secrets(config: MCPServerConfig, secrets: Mapping[str, str] | None) -> dict[str, str]:
    """The values of the secrets the server's templates reference, and only those (nothing else
    of the project is decrypted), each checked against its scope: a header secret must allow the
    server URL's host, an env secret `localhost` (the stdio process runs on the worker). Raises
    `ToolRefused` (`secret_scope`, `missing_secret`)."""
    secrets = secrets or {}
    out: dict[str, str] = {}
    for name in referenced_secret_names(config):
        if name not in secrets:
            continue  # render_template raises the typed missing_secret error when connecting
        check_secret_destination(secrets, name, config.url or STDIO_SECRET_HOST)
        out[name] = secrets[name]
    return out


@dataclass(frozen=True)
class MCPServerConfig:
    """How to reach one MCP server: a stdio `command` (with `args`, `env`, `cwd`) or a
    streamable-HTTP `url` (with `headers`). `env` and `headers` values may use `{secret:NAME}`."""

    name: str
    command: str | None = None
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = 30.0
    connect_timeout_s: float = 20.0

    def __post_init__(self) -> None:
        if bool(self.command) == bool(self.url):
            raise ValueError("an MCP server needs exactly one of `command` (stdio) or `url` (streamable HTTP)")
        object.__setattr__(self, "args", tuple(self.args))

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MCPServerConfig:
        """From stored JSON: `{name, command?, args?, env?, cwd?, url?, headers?, timeout_s?, connect_timeout_s?}`."""
        known = {"name", "command", "args", "env", "cwd", "url", "headers", "timeout_s", "connect_timeout_s"}
        return cls(**{k: v for k, v in config.items() if k in known})


class _LoopThread:
    """The process's private asyncio loop for MCP sessions (a daemon thread, started lazily)."""

    _instance: _LoopThread | None = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="mcp-loop", daemon=True)
        self.thread.start()

    @classmethod
    def get(cls) -> _LoopThread:
        with cls._lock:
            if cls._instance is None:
                cls._instance = _LoopThread()
            return cls._instance

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)


class MCPSession:
    """One connection to one MCP server. Thread-safe; reconnects after `close()` or a failure."""

    def __init__(self, config: MCPServerConfig, *, secrets: Mapping[str, str] | None = None,
                 policy: HttpPolicy | None = None, resolver: Resolver = system_resolver) -> None:
        self.config = config
        self.secrets = referenced_secrets(config, secrets)
        self.policy = policy or HttpPolicy()
        self.resolver = resolver
        self._lock = threading.Lock()
        self._client: Client | None = None
        self._stop: asyncio.Event | None = None
        self._closed = threading.Event()
        self._closed.set()
        self._holder: concurrent.futures.Future[None] | None = None
        # The stdio server's stderr, for error messages; lives as long as the session object.
        self._stderr = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")  # noqa: SIM115

    def list_tools(self, *, timeout_s: float | None = None) -> list[mcp_types.Tool]:
        """Every tool the server lists (all pages)."""
        async def list_all(client: Client) -> list[mcp_types.Tool]:
            tools: list[mcp_types.Tool] = []
            cursor: str | None = None
            for _page in range(100):
                page = await client.list_tools(cursor=cursor)
                tools += page.tools
                cursor = page.next_cursor
                if not cursor:
                    break
            return tools

        tools: list[mcp_types.Tool] = self._run(list_all, timeout_s or self.config.timeout_s, NeverCancelled(),
                                                "listing tools")
        return tools

    def call_tool(self, name: str, arguments: dict[str, Any], *, timeout_s: float | None = None,
                  cancel: CancelToken | None = None, deadline: float | None = None) -> mcp_types.CallToolResult:
        """Call one tool; raise `ToolTimeout`, `Cancelled`, `ToolConnectionError` or `ToolError`.

        Connecting (first call, or after a failure) has its own `connect_timeout_s`; the call then
        has `timeout_s`; both are cut at `deadline` (a `time.monotonic()` value) if given."""
        async def call(client: Client) -> mcp_types.CallToolResult:
            return await client.call_tool(name, arguments)

        result: mcp_types.CallToolResult = self._run(call, timeout_s or self.config.timeout_s,
                                                     cancel or NeverCancelled(), f"tool {name!r}", deadline)
        return result

    def close(self) -> None:
        """Stop the session and its server process; returns once they are gone."""
        with self._lock:
            self._shutdown()

    @property
    def connected(self) -> bool:
        return self._client is not None and not self._closed.is_set()

    def _run(self, operation: Any, timeout_s: float, cancel: CancelToken, what: str,
             deadline: float | None = None) -> Any:
        cap = deadline if deadline is not None else float("inf")
        client = self._connect(min(time.monotonic() + self.config.connect_timeout_s, cap))
        end = min(time.monotonic() + timeout_s, cap)

        async def bounded() -> Any:
            with anyio.fail_after(max(end - time.monotonic(), 0.001)):
                return await operation(client)

        future = _LoopThread.get().submit(bounded())
        while True:
            done, _ = concurrent.futures.wait([future], timeout=_POLL_S)
            if done:
                return self._result(future, what, timeout_s)
            if cancel.is_cancelled() or time.monotonic() > end + 1.0:
                future.cancel()
                self.close()
                if cancel.is_cancelled():
                    raise Cancelled(f"MCP {what} on {self.config.name} was cancelled")
                raise ToolTimeout(f"MCP {what} on {self.config.name} timed out after {timeout_s:g} s")

    def _result(self, future: concurrent.futures.Future[Any], what: str, timeout_s: float) -> Any:
        try:
            return future.result()
        except TimeoutError as exc:
            self.close()  # a stuck server is restarted on the next call, never left half-used
            raise ToolTimeout(f"MCP {what} on {self.config.name} timed out after {timeout_s:g} s") from exc
        except MCPError as exc:
            raise ToolError(f"MCP server {self.config.name} refused {what}: {exc.error.message}",
                            mcp_code=exc.code) from exc
        except (anyio.ClosedResourceError, anyio.BrokenResourceError, ConnectionError, OSError) as exc:
            self.close()
            raise ToolConnectionError(f"lost the connection to MCP server {self.config.name}: {exc}") from exc

    def _connect(self, end: float) -> Client:
        with self._lock:
            if self._client is not None and not self._closed.is_set():
                return self._client
            self._shutdown()
            self._stderr.seek(0)
            self._stderr.truncate()
            ready: concurrent.futures.Future[Client] = concurrent.futures.Future()
            self._closed.clear()
            self._holder = _LoopThread.get().submit(self._hold(ready))
            timeout = max(end - time.monotonic(), 0.001)
            try:
                self._client = ready.result(timeout=timeout)
            except TimeoutError as exc:
                self._shutdown()
                raise ToolTimeout(f"connecting to MCP server {self.config.name} timed out") from exc
            except ToolError as exc:
                self._shutdown()
                if isinstance(exc, ToolConnectionError):
                    exc.message += self._stderr_tail()
                    exc.args = (exc.message,)
                raise
            return self._client

    async def _hold(self, ready: concurrent.futures.Future[Client]) -> None:
        """Owns the SDK client for the session's lifetime (it must enter and exit in one task)."""
        self._stop = asyncio.Event()
        try:
            async with AsyncExitStack() as stack:
                client = await stack.enter_async_context(Client(await self._transport(stack), mode="auto"))
                ready.set_result(client)
                await self._stop.wait()
        except Exception as exc:  # noqa: BLE001 - handed, typed, to the connecting thread
            if not ready.done():
                ready.set_exception(exc if isinstance(exc, ToolError) else ToolConnectionError(
                    f"cannot connect to MCP server {self.config.name}: {_describe(exc)}"))
        finally:
            if not ready.done():
                ready.set_exception(ToolConnectionError("the MCP session was closed while connecting"))
            self._closed.set()

    async def _transport(self, stack: AsyncExitStack) -> Any:
        if self.config.command:
            env = {k: render_template(v, secrets=self.secrets) for k, v in self.config.env.items()}
            params = StdioServerParameters(command=self.config.command, args=list(self.config.args), env=env,
                                           cwd=self.config.cwd)
            return stdio_client(params, errlog=self._stderr)
        assert self.config.url
        headers = {k: render_template(v, secrets=self.secrets) for k, v in self.config.headers.items()}
        await anyio.to_thread.run_sync(check_url, self.config.url, self.policy, self.resolver)
        http = await stack.enter_async_context(httpx2.AsyncClient(
            transport=PinnedAsyncTransport(self.policy, self.resolver), headers=headers, trust_env=False,
            timeout=httpx2.Timeout(self.config.timeout_s, read=max(self.config.timeout_s, 300.0))))
        return streamable_http_client(self.config.url, http_client=http)

    def _shutdown(self) -> None:
        """Stop the holder task and wait until the server is gone (caller holds `_lock`)."""
        self._client = None
        holder, stop = self._holder, self._stop
        if holder is None or self._closed.is_set():
            return
        loop = _LoopThread.get().loop
        if stop is not None:
            loop.call_soon_threadsafe(stop.set)
        if not self._closed.wait(_CLOSE_TIMEOUT_S):
            holder.cancel()
            self._closed.wait(_CLOSE_TIMEOUT_S)

    def _stderr_tail(self) -> str:
        self._stderr.seek(0)
        lines = [line for line in self._stderr.read().splitlines() if line.strip()]
        return f" (server stderr: {lines[-1][:300]})" if lines else ""


class PinnedAsyncTransport(httpx2.AsyncBaseTransport):
    """httpx2 transport that checks every request's host with the SSRF guard and connects to the
    checked address (Host header and TLS SNI keep the name)."""

    def __init__(self, policy: HttpPolicy, resolver: Resolver = system_resolver) -> None:
        self.policy = policy
        self.resolver = resolver
        self._inner = httpx2.AsyncHTTPTransport(verify=shared_ssl_context(), trust_env=False,
                                                limits=httpx2.Limits(max_keepalive_connections=0))

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        target = await anyio.to_thread.run_sync(check_url, str(request.url), self.policy, self.resolver)
        request.url = request.url.copy_with(host=str(target.ip))
        request.headers["Host"] = target.host_header
        if target.scheme == "https":
            request.extensions["sni_hostname"] = target.hostname
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_describe(e) for e in exc.exceptions)
    return f"{type(exc).__name__}: {exc}"
