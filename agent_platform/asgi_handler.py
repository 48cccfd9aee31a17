"""Django's ASGI handler with the whole middleware chain and the view in ONE worker-thread call.

Our middleware is synchronous, so under Django's own `ASGIHandler` (which builds the chain for
async mode) every request went event loop → thread (the outer sync middleware) → event loop (the
async inner handler, `async_to_sync`) → thread again (the sync view), ~2.5-4 ms of CPU per POST
/api/v1/runs more than the same request through the synchronous chain. Here the chain is the
synchronous one (`BaseHandler.get_response`, as under WSGI), called with one `sync_to_async`;
reading the body, the request_started/finished signals, disconnect handling and sending the
response (also streaming ones) stay Django's (`ASGIHandler.handle`).
"""
from __future__ import annotations

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler


class SyncChainASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        super().__init__()
        self._sync_handler = BaseHandler()
        self._sync_handler.load_middleware(is_async=False)
        self._get_response = sync_to_async(self._sync_handler.get_response, thread_sensitive=True)

    async def get_response_async(self, request):
        return await self._get_response(request)
