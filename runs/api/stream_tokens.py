"""`POST /api/v1/runs/{id}/stream-token`: a short-lived token to open this run's stream from a URL
(`?token=` on SSE or the websocket) without putting the API key in it."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from accounts.models import ApiKey
from agent_platform.api.views import ProjectAPIView
from runs import selectors
from runs.stream_tokens import issue_stream_token


class StreamTokenOut(serializers.Serializer):
    token = serializers.CharField(help_text="Pass as ?token= to /api/v1/runs/{id}/stream or /ws/runs/{id}/.")
    expires_at = serializers.DateTimeField(help_text="The token opens a stream until then.")
    run = serializers.CharField()


class RunStreamToken(ProjectAPIView):
    permission_map = {"POST": "read_project"}

    @extend_schema(request=None, responses={201: StreamTokenOut})
    def post(self, request, run_id: str):
        run = selectors.get_run(request.project, run_id)
        if not isinstance(request.auth, ApiKey):
            raise exceptions.PermissionDenied("Stream tokens are issued to API keys.")
        token, expires = issue_stream_token(run_id=run.pk, project_id=str(request.project.pk),
                                            key_id=request.auth.pk)
        return Response({"token": token, "expires_at": expires, "run": run.pk}, status=201)
