"""Django's ASGI handler with the whole middleware chain and the view in ONE worker-thread call,
on a pool of `PLATFORM_API_THREADS` threads.

Our middleware is synchronous, so under Django's own `ASGIHandler` (which builds the chain for
async mode) every request went event loop → thread (the outer sync middleware) → event loop (the
async inner handler, `async_to_sync`) → thread again (the sync view), ~2.5-4 ms of CPU per POST
/api/v1/runs more than the same request through the synchronous chain. Here the chain is the
synchronous one (`BaseHandler.get_response`, as under WSGI), called with one `sync_to_async`;
reading the body, the request_started/finished signals, disconnect handling and sending the
response (also streaming ones) stay Django's (`ASGIHandler.handle`).

Django's default hand-off (`thread_sensitive=True`) runs every request of the process on one
thread, so a request waiting on PostgreSQL held up all the others: one Daphne created at most
~88 runs/s with its CPU two-thirds idle. Requests here run on a pool, as under a threaded WSGI
server; each thread has its own database connection (from the process's psycopg pool), taken
and given back within the request on that thread (Django's request_started/finished signals run
on another thread, so they cannot close it).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler
from django.db import close_old_connections


class SyncChainASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        super().__init__()
        self._sync_handler = BaseHandler()
        self._sync_handler.load_middleware(is_async=False)
        self._threads = ThreadPoolExecutor(max_workers=settings.API_THREADS, thread_name_prefix="request")
        self._get_response = sync_to_async(self._respond, thread_sensitive=False, executor=self._threads)

    def _respond(self, request):
        close_old_connections()  # one a failed request left broken is dropped, not reused
        try:
            return self._sync_handler.get_response(request)
        finally:
            close_old_connections()  # CONN_MAX_AGE = 0: back to the pool

    async def get_response_async(self, request):
        return await self._get_response(request)
