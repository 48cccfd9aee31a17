"""Graph services run on pool threads; Django opens one DB connection per thread, so a service
that touched the ORM closes its thread's connections when done (the worker's main thread keeps its own)."""
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
