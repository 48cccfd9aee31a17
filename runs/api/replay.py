"""Retry, fork and checkpoints of workflow runs over HTTP (services in runs/services_replay.py)."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from agent_platform.api.idempotency import idempotent
from agent_platform.api.serializers import StrictSerializer, validated
from agent_platform.api.views import ProjectAPIView
from runs import selectors, services_replay
from runs.api.serializers import RunOut


class RetryIn(StrictSerializer):
    from_node = serializers.CharField(required=False, max_length=200,
                                      help_text="re-run this top-level node and everything after it")


class ForkIn(StrictSerializer):
    checkpoint = serializers.IntegerField(min_value=0, help_text="how many checkpoints to keep (see /checkpoints)")
    state_patch = serializers.DictField(required=False, help_text="{input?, vars?, nodes?: {path: {output}}}")


class CheckpointOut(serializers.Serializer):
    checkpoint = serializers.IntegerField()
    key = serializers.CharField()
    node = serializers.CharField()
    status = serializers.CharField(allow_null=True)


class RunRetry(ProjectAPIView):
    @extend_schema(request=RetryIn, responses={201: RunOut})
    def post(self, request, run_id: str):
        run = selectors.get_run(request.project, run_id)
        data = validated(RetryIn, request.data if request.data else {})

        def create():
            retried = services_replay.retry_run(run=run, from_node=data.get("from_node"))
            return Response(RunOut(retried).data, status=201)
        return idempotent(request, f"POST /runs/{run.pk}/retry", create)


class RunFork(ProjectAPIView):
    @extend_schema(request=ForkIn, responses={201: RunOut})
    def post(self, request, run_id: str):
        run = selectors.get_run(request.project, run_id)
        data = validated(ForkIn, request.data)

        def create():
            forked = services_replay.fork_run(run=run, checkpoint=data["checkpoint"],
                                              state_patch=data.get("state_patch"))
            return Response(RunOut(forked).data, status=201)
        return idempotent(request, f"POST /runs/{run.pk}/fork", create)


class RunCheckpoints(ProjectAPIView):
    @extend_schema(responses=CheckpointOut(many=True))
    def get(self, request, run_id: str):
        run = selectors.get_run(request.project, run_id)
        return Response({"data": services_replay.run_checkpoints(run), "next_cursor": None})
