"""Base view for project-scoped endpoints, and list helpers."""
from __future__ import annotations

from rest_framework.response import Response
from rest_framework.views import APIView

from agent_platform.api.pagination import paginate


class ProjectAPIView(APIView):
    """Every endpoint under /api/v1 that touches project data.

    `request.project` is set by the permission layer (the API key's project, or the project
    named by `X-Project` for a logged-in user). `permission_map` overrides the permission per
    HTTP method; by default reads need `read_project` and writes `write_project`.
    """

    permission_map: dict[str, str] = {}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        project = getattr(request, "project", None)
        if project is not None:  # log records of this request use its project's redactor (built on first use)
            from accounts.redaction_policy import redactor_for
            from runtime.redaction import use_redactor

            use_redactor(lambda: redactor_for(project))

    def list_response(self, queryset, serialize, *, time_field: str = "created_at") -> Response:
        items, next_cursor = paginate(queryset, self.request.query_params, time_field=time_field)
        return Response({"data": [serialize(item) for item in items], "next_cursor": next_cursor})
