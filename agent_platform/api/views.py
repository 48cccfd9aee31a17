"""Base view for project-scoped endpoints, and list helpers."""
from __future__ import annotations

import threading

from rest_framework.response import Response
from rest_framework.views import APIView

from agent_platform.api.pagination import paginate


class LazyProjectRedactor:
    """A project's redactor for log records, built on first use and kept (one query).

    Under ASGI, Django logs every 4xx/5xx answer from an executor thread of its own
    (`sync_to_async(log_response, thread_sensitive=False)`) while the request still holds its pooled
    connection: built there, it would take a second connection from the pool (and keep it: nothing
    closes that thread's connection), so a burst of refusals (429) exhausted the pool and waited on
    itself. `ProjectAPIView.finalize_response` builds it on the request's thread for such answers;
    built on any other thread, the connection it opened is closed at once."""

    def __init__(self, project) -> None:
        self.project, self._redactor, self._lock = project, None, threading.Lock()

    def __call__(self):
        with self._lock:
            if self._redactor is None:
                from django.db import connection

                from accounts.redaction_policy import redactor_for

                opened_here = connection.connection is None
                try:
                    self._redactor = redactor_for(self.project)
                finally:
                    if opened_here and not connection.in_atomic_block:
                        connection.close()
            return self._redactor


class ProjectAPIView(APIView):
    """Every endpoint under /api/v1 that touches project data.

    `request.project` is set by the permission layer (the API key's project, or the project
    named by `X-Project` for a logged-in user). `permission_map` overrides the permission per
    HTTP method; by default reads need `read_project` and writes `write_project`.
    """

    permission_map: dict[str, str] = {}

    def dispatch(self, request, *args, **kwargs):
        from limits.selectors import request_memo

        with request_memo():  # the throttle and a run's admission read the caller's limits once
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        project = getattr(request, "project", None)
        if project is not None:  # log records of this request use its project's redactor (built on first use)
            from runtime.redaction import use_redactor

            request._project_redactor = LazyProjectRedactor(project)
            use_redactor(request._project_redactor)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        lazy = getattr(request, "_project_redactor", None)
        if lazy is not None and response.status_code >= 400:
            lazy()  # Django logs this answer next, from a thread of its own: build the redactor here
        return response

    def list_response(self, queryset, serialize, *, time_field: str = "created_at") -> Response:
        items, next_cursor = paginate(queryset, self.request.query_params, time_field=time_field)
        return Response({"data": [serialize(item) for item in items], "next_cursor": next_cursor})
