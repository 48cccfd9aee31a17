"""Database calls from the surfaces' async code: off the event loop, connection given back at once
(a streamed completion lives for minutes and must not hold a connection while it waits)."""
from __future__ import annotations

import functools

from asgiref.sync import sync_to_async
from django.db import connection


def db_call(fn):
    @functools.wraps(fn)
    def call(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        finally:
            connection.close()

    return sync_to_async(call)
