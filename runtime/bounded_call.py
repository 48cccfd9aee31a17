"""Bounded calls: run work on a helper thread, stop waiting at a timeout, and make the timeout
stop the work wherever it can.

Used for tool calls (`runtime.tools.executor`) and workflow nodes (`runtime.graph.runner`). The
work gets a `TimeoutCancel` token that is set the moment the caller stops waiting, next to the
deadline it already had, so:

- sandboxed code (a subprocess) is killed by the sandbox's I/O loop (it polls the token);
- HTTP calls stop at their next check (the client's own timeout is cut at the deadline too);
- MCP calls close their session, which kills a stdio server process;
- pure-Python work that checks neither cannot be killed (Python cannot stop a thread): its
  thread is *abandoned* and counted while it is still alive.

At most `max_abandoned()` abandoned threads may be alive in a process at once; while that many
are, a new bounded call is refused at once with `WorkerSaturated` (retryable) instead of adding
another thread, so a worker never accumulates stuck threads without bound. Every abandonment and
every refusal is logged (`runtime.bounded_call`) with the current count, and
`abandoned_threads()` reports it.
"""
from __future__ import annotations

import contextvars
import logging
import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from runtime.errors import WorkerSaturated
from runtime.store import CancelToken, NeverCancelled

T = TypeVar("T")
log = logging.getLogger(__name__)

DEFAULT_MAX_ABANDONED = 16
_GRACE_S = 0.2  # how long timed-out work that honours its token gets to stop before it counts
_lock = threading.Lock()
_abandoned: set[threading.Thread] = set()
_limit: int | None = None


class CallTimedOut(Exception):
    """The caller stopped waiting: the timeout passed (the work was told to stop)."""


class TimeoutCancel:
    """Cancelled when the parent token is, or once the bounded call it belongs to timed out."""

    def __init__(self, parent: CancelToken | None = None) -> None:
        self.parent = parent or NeverCancelled()
        self._expired = threading.Event()

    def expire(self) -> None:
        self._expired.set()

    @property
    def expired(self) -> bool:
        return self._expired.is_set()

    def is_cancelled(self) -> bool:
        return self._expired.is_set() or self.parent.is_cancelled()


def max_abandoned() -> int:
    """How many abandoned threads a process may hold (`PLATFORM_MAX_ABANDONED_THREADS`, default 16)."""
    global _limit
    if _limit is None:
        try:
            _limit = max(1, int(os.environ.get("PLATFORM_MAX_ABANDONED_THREADS", DEFAULT_MAX_ABANDONED)))
        except ValueError:
            _limit = DEFAULT_MAX_ABANDONED
    return _limit


def set_max_abandoned(limit: int | None) -> None:
    """Override the limit (tests, embedding); `None` reads the environment again."""
    global _limit
    _limit = limit


def abandoned_threads() -> int:
    """Abandoned (timed-out, still running) threads of this process right now."""
    with _lock:
        _abandoned.difference_update([t for t in _abandoned if not t.is_alive()])
        return len(_abandoned)


def run_bounded(fn: Callable[[TimeoutCancel], T], timeout_s: float, *, name: str,
                cancel: CancelToken | None = None) -> T:
    """`fn(token)` on a helper thread; its value, or its exception re-raised here.

    After `timeout_s` the token is expired and `CallTimedOut` raised; a thread that is still
    running then is counted as abandoned until it ends. Raises `WorkerSaturated` without
    starting anything while `max_abandoned()` abandoned threads are alive."""
    limit = max_abandoned()
    count = abandoned_threads()
    if count >= limit:
        _report("refusing %s: %d timed-out calls are still running on this process (limit %d)", name, count, limit)
        raise WorkerSaturated(f"{name}: this worker has {count} timed-out calls still running (limit {limit}); "
                              "try again later", abandoned_threads=count, limit=limit)
    token = TimeoutCancel(cancel)
    box: dict[str, Any] = {}
    done = threading.Event()

    def target() -> None:
        try:
            box["value"] = fn(token)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread below
            box["error"] = exc
        finally:
            done.set()
            with _lock:
                _abandoned.discard(threading.current_thread())

    # The caller's context (e.g. the run's log redactor) goes with the call.
    thread = threading.Thread(target=contextvars.copy_context().run, args=(target,), name=name, daemon=True)
    thread.start()
    if not done.wait(max(timeout_s, 0.0)):
        token.expire()
        # Work that honours the token stops within moments: give it that long before counting it.
        if not done.wait(_GRACE_S):
            with _lock:
                if not done.is_set():
                    _abandoned.add(thread)
                count = len(_abandoned)
            _report("%s timed out after %.3gs and is still running; %d abandoned threads on this process",
                    name, timeout_s, count)
        raise CallTimedOut(name)
    if "error" in box:
        raise box["error"]
    return box["value"]



def _report(message: str, *args: object) -> None:
    """Log in an empty context: the record holds only names and counts, and resolving the caller's
    (lazy, project) log redactor must never turn the call's typed error into another one."""
    contextvars.Context().run(log.warning, message, *args)
