"""Code that runs on pool threads (tool calls, graph nodes, retrievals) and touches the ORM opens
one database connection per thread: `closing_thread_connections` closes them when the work is done.
The main thread keeps its own (the worker's, the test's)."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections


@contextmanager
def closing_thread_connections() -> Iterator[None]:
    """Close the current thread's Django connections on exit, unless it is the main thread."""
    try:
        yield
    finally:
        if threading.current_thread() is not threading.main_thread():
            connections.close_all()
