"""ASGI entry point (Daphne): HTTP through Django, websockets through Channels."""
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agent_platform.settings")
django.setup(set_prefix=False)  # what django.core.asgi.get_asgi_application does

from agent_platform.asgi_handler import SyncChainASGIHandler  # noqa: E402

django_asgi_app = SyncChainASGIHandler()  # Django's ASGIHandler, the middleware chain and view in one thread hop

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402  (needs Django set up)

from agent_platform.api.input_boundary import answer_oversized_header_lines, refusing_bad_characters  # noqa: E402
from agent_platform.daphne_requests import skip_form_parsing  # noqa: E402
from agent_platform.routing import websocket_urlpatterns  # noqa: E402
from runs.api import sse  # noqa: E402
from surfaces.mcp_server import app as mcp_server  # noqa: E402
from surfaces.openai_compat import app as openai_compat  # noqa: E402

answer_oversized_header_lines()  # 431 for a header line over Twisted's 16 KiB (not a silent close)
skip_form_parsing()  # Twisted's unused parse of multipart bodies copied a whole upload in memory


@refusing_bad_characters  # the input boundary for the apps before Django (Django has its middleware)
async def early_application(scope, receive, send):
    match = sse.PATH.match(scope["path"])
    if match:
        return await sse.stream_run(scope, receive, send, match["run_id"])
    if openai_compat.handles(scope["path"]):  # OpenAI-compatible completions: long-lived too
        return await openai_compat.application(scope, receive, send)
    return await mcp_server.application(scope, receive, send)


async def http_application(scope, receive, send):
    """Run event streams are served before Django (long-lived, no middleware work); the rest is Django."""
    path = scope["path"]
    if sse.PATH.match(path) or openai_compat.handles(path) or mcp_server.handles(path):
        return await early_application(scope, receive, send)
    return await django_asgi_app(scope, receive, send)


application = ProtocolTypeRouter({
    "http": http_application,
    "websocket": refusing_bad_characters(URLRouter(websocket_urlpatterns)),
})
