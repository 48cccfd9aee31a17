"""The process-wide writer connection used by run execution (events, checkpoints, ledger).

One autocommit psycopg connection per process, shared by every thread of an executing run
under a lock; reconnects after a failure. Keeping it off Django's per-thread connections
means parallel tool calls and graph branches don't each open a connection.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import connection as django_connection

_lock = threading.RLock()
_conn: psycopg.Connection | None = None


def _connect() -> psycopg.Connection:
    params = django_connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("server_side_binding", None)
    params.pop("prepare_threshold", None)
    conn = psycopg.connect(**params, autocommit=True, prepare_threshold=0)
    return conn


@contextmanager
def writer() -> Iterator[psycopg.Cursor]:
    """A cursor on the shared writer connection (held under the process-wide lock)."""
    global _conn
    with _lock:
        if _conn is None or _conn.closed:
            _conn = _connect()
        try:
            with _conn.cursor() as cur:
                yield cur
        except (psycopg.OperationalError, psycopg.InterfaceError):
            _conn.close()
            _conn = None
            raise


def reset() -> None:
    """Drop the connection (tests switching databases, forked processes)."""
    global _conn
    with _lock:
        if _conn is not None:
            _conn.close()
        _conn = None

