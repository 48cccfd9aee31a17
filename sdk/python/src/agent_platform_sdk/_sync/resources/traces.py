# Generated from the _async/ twin by scripts/unasync.py: edit that file, not this one.
"""`client.traces`: run-level trace summaries across runs, and each run's spans."""
from __future__ import annotations

from agent_platform_sdk._sync._pagination import Paginator
from agent_platform_sdk._sync.resources._resource import Resource, segment
from agent_platform_sdk._types import NOT_GIVEN, NotGiven, TimeoutTypes, query_params
from agent_platform_sdk.models import Span, Trace, TraceSummary

Timeout = TimeoutTypes | NotGiven


class Traces(Resource):
    def list(self, *, agent: str | None = None, workflow: str | None = None, version: int | None = None,
             environment: str | None = None, status: str | None = None, since: str | None = None,
             until: str | None = None, limit: int | None = None,
             timeout: Timeout = NOT_GIVEN) -> Paginator[TraceSummary]:
        """One summary per run, newest first (`since`/`until`: RFC 3339 times)."""
        params = query_params({"agent": agent, "workflow": workflow, "version": version, "environment": environment,
                               "status": status, "since": since, "until": until, "limit": limit})
        return Paginator(self._client, "/traces", TraceSummary, params, timeout=timeout)

    def spans(self, run_id: str, *, limit: int | None = None, timeout: Timeout = NOT_GIVEN) -> Paginator[Span]:
        """The spans of one run (model calls, tool calls, retrievals, node steps)."""
        return Paginator(self._client, "/traces", Span, query_params({"run": run_id, "limit": limit}),
                              timeout=timeout)

    def get(self, run_id: str, *, timeout: Timeout = NOT_GIVEN) -> Trace:
        """A run's whole trace: every span (parent links form the tree) and totals."""
        return self._client.get_model(f"/traces/{segment(run_id)}", Trace, timeout=timeout)
