"""Runs over HTTP: create, get, list, cancel, resume, stored events, traces."""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from accounts.authentication import request_api_key
from agent_platform.api.errors import FieldError
from agent_platform.api.idempotency import idempotent
from agent_platform.api.pagination import parse_limit
from agent_platform.api.serializers import validated
from agent_platform.api.views import ProjectAPIView
from agent_platform.definitions.models import ENVIRONMENTS
from runs import selectors, services, traces
from runs.api import serializers as s
from runs.models import STATUSES, Span

RUN_FILTERS = [OpenApiParameter(name, str, required=False) for name in ("status", "agent", "workflow",
                                                                        "environment", "cursor", "limit")]


class RunList(ProjectAPIView):
    @extend_schema(parameters=RUN_FILTERS, responses=s.RunOut(many=True))
    def get(self, request):
        query = selectors.runs_for_project(request.project, request.query_params)
        return self.list_response(query, lambda run: s.RunOut(run).data)

    @extend_schema(request=s.RunCreateIn, responses={201: s.RunOut})
    def post(self, request):
        data = validated(s.RunCreateIn, request.data)

        def create():
            run = services.create_run(project=request.project, **data, api_key=request_api_key(request))
            return Response(s.RunOut(run).data, status=201)
        return idempotent(request, "POST /runs", create)


class RunDetail(ProjectAPIView):
    @extend_schema(responses=s.RunOut)
    def get(self, request, run_id: str):
        return Response(s.RunOut(selectors.get_run(request.project, run_id)).data)


class RunCancel(ProjectAPIView):
    @extend_schema(request=None, responses=s.RunOut)
    def post(self, request, run_id: str):
        run = services.cancel_run(run=selectors.get_run(request.project, run_id))
        return Response(s.RunOut(run).data, status=202)


class RunResume(ProjectAPIView):
    @extend_schema(request=s.RunResumeIn, responses=s.RunOut)
    def post(self, request, run_id: str):
        run = selectors.get_run(request.project, run_id)
        if not isinstance(request.data, dict) or not request.data:
            raise FieldError("body", "send {input: {...}} or {approve: bool, reason?}")
        validated(s.RunResumeIn, request.data)
        return Response(s.RunOut(services.resume_run(run=run, answer=dict(request.data))).data, status=202)


class RunEvents(ProjectAPIView):
    @extend_schema(parameters=[OpenApiParameter("after_seq", int, required=False),
                               OpenApiParameter("limit", int, required=False)], responses=s.EventOut(many=True))
    def get(self, request, run_id: str):
        run = selectors.get_run(request.project, run_id)
        after = selectors.parse_after_seq(request.query_params.get("after_seq"))
        limit = parse_limit(request.query_params.get("limit") or "200")
        events = selectors.events_after(run.pk, after, limit + 1)
        more = len(events) > limit
        events = events[:limit]
        return Response({"data": events, "next_cursor": str(events[-1]["seq"]) if more else None})


TRACE_PARAMETERS = [
    OpenApiParameter("run", str, required=False,
                     description="list this run's spans instead (`{data: [span], next_cursor}`); the filters "
                                 "below do not apply then"),
    OpenApiParameter("agent", str, required=False, description="agent id (`agt_…`) or name"),
    OpenApiParameter("workflow", str, required=False, description="workflow id (`wf_…`) or name"),
    OpenApiParameter("version", int, required=False,
                     description="pinned version number (of the agent or workflow named, else of any)"),
    OpenApiParameter("environment", str, required=False, enum=list(ENVIRONMENTS)),
    OpenApiParameter("status", str, required=False,
                     description=f"one status or several, comma-separated: {', '.join(STATUSES)}"),
    OpenApiParameter("since", OpenApiTypes.DATETIME, required=False,
                     description="runs created at or after this RFC 3339 time (with offset, e.g. `Z`)"),
    OpenApiParameter("until", OpenApiTypes.DATETIME, required=False,
                     description="runs created before this RFC 3339 time; must be later than `since`"),
    OpenApiParameter("cursor", str, required=False, description="`next_cursor` of the previous page"),
    OpenApiParameter("limit", int, required=False, description="page size, 1–200 (default 50)"),
]


class TraceList(ProjectAPIView):
    @extend_schema(
        operation_id="traces_list", parameters=TRACE_PARAMETERS,
        description="Traces across runs, newest first: one run-level summary per run (tokens, cost, latency, "
                    "span count). With `?run=` the spans of that one run instead. A bad filter value answers "
                    "400 problem+json naming the parameter.",
        responses=PolymorphicProxySerializer(component_name="TraceListPage", resource_type_field_name=None,
                                             serializers=[s.TracePageOut, s.SpanPageOut]))
    def get(self, request):
        run_id = request.query_params.get("run")
        if run_id is not None:
            if not run_id:
                raise FieldError("run", "name the run whose spans to list")
            run = selectors.get_run(request.project, run_id)
            spans = Span.objects.filter(run=run)
            return self.list_response(spans, lambda span: s.SpanOut(span).data, time_field="started_at")
        runs = traces.trace_summaries(request.project, request.query_params)
        return self.list_response(runs, lambda run: s.TraceSummaryOut(run).data)


class TraceDetail(ProjectAPIView):
    @extend_schema(operation_id="traces_retrieve", responses=inline_serializer("TraceOut", {
        "run_id": serializers.CharField(), "status": serializers.CharField(), "spans": s.SpanOut(many=True),
        "totals": s.UsageOut()}))
    def get(self, request, trace_id: str):
        """A run's whole trace: every span (parent links form the tree) and totals."""
        run = selectors.get_run(request.project, trace_id)
        spans = [s.SpanOut(span).data for span in selectors.spans_for_run(run)]
        return Response({"run_id": run.pk, "status": run.status, "spans": spans,
                         "totals": s.RunOut(run).data["usage"]})
