"""Daphne's HTTP requests without Twisted's own form parsing.

Twisted's `http.Request.requestReceived` parses a POST body of type `multipart/form-data` (or
`application/x-www-form-urlencoded`) into `request.args` before the request is processed:
`email.message_from_bytes` over the whole body, which copies an upload several times in memory
(a 50 MB document upload cost the API process ~+500 MiB). Daphne never reads `request.args` — it
hands the raw body to the ASGI application, where Django spools uploads to disk — so the parse is
pure cost. Daphne has no setting for it; `skip_form_parsing()` (called from agent_platform/asgi.py)
turns Twisted's `parsePOSTFormSubmission` off for Daphne's requests.
"""
from __future__ import annotations


def skip_form_parsing() -> None:
    try:
        from daphne.http_protocol import WebRequest
    except ImportError:  # not running under Daphne
        return
    if getattr(WebRequest, "skips_form_parsing", False):
        return
    init = WebRequest.__init__

    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self._parsePOSTFormSubmission = False

    WebRequest.__init__ = __init__
    WebRequest.skips_form_parsing = True
