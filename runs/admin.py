"""Runs in the admin console, read-only: a filterable list (search by id or input text; status,
agent, workflow, version, environment, project; latency and cost columns), the run viewer (input,
output, usage, timings, the trace waterfall and the events timeline, followed live while the run
is not finished by polling `<run>/events.json?after_seq=N`), and the agent chat (runs/admin_chat.py).

The layout is computed in runs/viewer.py; project scoping in accounts/admin_scoping.py.
"""
from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import F, FloatField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.http import HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path
from django.utils.html import format_html

from accounts.admin_scoping import (
    WRITE,
    ProjectFilter,
    ProjectScopedAdmin,
    admin_url,
    in_any_project,
    user_can,
)
from agent_platform.api.errors import ApiError
from agent_platform.service_errors import ServiceError, StateConflict
from runs import admin_chat, selectors, services, viewer
from runs.admin_filters import AgentFilter, VersionFilter, WorkflowFilter
from runs.lifecycle import TERMINAL_EVENT
from runs.models import Event, Run

EVENTS_PAGE = 500  # events per events.json answer
VIEWER_EVENTS = 2000  # events rendered with the page; the rest arrive through events.json


def _console_url(obj) -> str | None:
    """The console page of an agent/workflow or its version, if that model has one."""
    if obj is None:
        return None
    try:
        return admin_url(obj)
    except NoReverseMatch:
        return None


@admin.register(Run)
class RunAdmin(ProjectScopedAdmin):
    list_display = ["id", "status_badge", "kind", "target", "version", "environment", "created_at", "duration",
                    "tokens", "cost"]
    list_filter = ["status", "kind", AgentFilter, WorkflowFilter, VersionFilter, "environment", ProjectFilter]
    list_select_related = ["agent", "agent_version", "workflow", "workflow_version"]
    search_fields = ["id", "input"]  # the input JSON as text: the message a user sent
    search_help_text = "Search by run id (or part of it) or by text in the input."
    ordering = ["-created_at"]
    date_hierarchy = "created_at"
    actions = ["cancel_selected"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # runs are records; they change only by executing, cancel or resume

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # retention removes runs

    def has_cancel_permission(self, request) -> bool:
        return in_any_project(request, WRITE)

    def get_queryset(self, request):
        # Sortable latency and cost columns.
        return super().get_queryset(request).annotate(
            latency=F("finished_at") - F("started_at"),
            cost_usd=Cast(KeyTextTransform("cost_usd", "usage"), FloatField()))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("chat/", view(self.chat_view), name="runs_run_chat"),
                path("chat/send/", view(self.chat_send_view), name="runs_run_chat_send"),
                path("<path:object_id>/events.json", view(self.events_json), name="runs_run_events"),
                path("<path:object_id>/cancel/", view(self.cancel_view), name="runs_run_cancel"),
                *super().get_urls()]

    # --- list columns -----------------------------------------------------------------------------
    @admin.display(description="status", ordering="status")
    def status_badge(self, run: Run) -> str:
        return format_html('<span class="ac-status ac-status-{}">{}</span>', run.status, run.status)

    @admin.display(description="agent / workflow")
    def target(self, run: Run) -> str:
        definition = run.agent if run.kind == "agent" else run.workflow
        return definition.name if definition else "—"

    @admin.display(description="version")
    def version(self, run: Run) -> str:
        pinned = run.agent_version if run.kind == "agent" else run.workflow_version
        return f"v{pinned.number}" if pinned else "—"

    @admin.display(description="latency", ordering="latency")
    def duration(self, run: Run) -> str:
        return viewer.format_ms(viewer.duration_ms(run))

    @admin.display(description="tokens")
    def tokens(self, run: Run) -> int:
        return viewer.usage(run)["tokens"]

    @admin.display(description="cost", ordering="cost_usd")
    def cost(self, run: Run) -> str:
        return f"${viewer.usage(run)['cost_usd']:.4f}"

    # --- actions ----------------------------------------------------------------------------------
    @admin.action(description="Cancel selected runs", permissions=["cancel"])
    def cancel_selected(self, request, queryset) -> None:
        cancelled, skipped = 0, 0
        for run in queryset:
            if not user_can(request.user, WRITE, run.project):
                skipped += 1
                continue
            try:
                services.cancel_run(run=run)
                cancelled += 1
            except StateConflict:  # already finished
                skipped += 1
        self.message_user(request, f"Cancellation requested for {cancelled} run(s); {skipped} skipped "
                                   "(finished, or not yours to cancel).", messages.INFO)

    # --- the run viewer ---------------------------------------------------------------------------
    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.object_or_404(request, object_id)
        if not self.has_view_permission(request, run):
            raise PermissionDenied
        events = list(Event.objects.filter(run=run).order_by("seq")[:VIEWER_EVENTS])
        spans = selectors.spans_for_run(run)
        definition = run.agent if run.kind == "agent" else run.workflow
        pinned = run.agent_version if run.kind == "agent" else run.workflow_version
        context = {
            **self.admin_site.each_context(request), "opts": self.opts, "title": f"Run {run.pk}", "run": run,
            "original": run, "has_view_permission": True,
            "definition": definition, "definition_url": _console_url(definition),
            "pinned": pinned, "pinned_url": _console_url(pinned),
            "timings": viewer.timings(run), "usage": viewer.usage(run),
            "input": viewer.pretty(run.input), "output": None if run.output is None else viewer.pretty(run.output),
            "error": None if run.error is None else viewer.pretty(run.error),
            "waiting_for": None if run.waiting_for is None else viewer.pretty(run.waiting_for),
            "metadata": viewer.pretty(run.metadata) if run.metadata else None,
            "waterfall": viewer.waterfall(spans, start=run.started_at, end=run.finished_at),
            "events": viewer.event_rows(events, run.created_at),
            "events_truncated": len(events) == VIEWER_EVENTS,
            "last_seq": events[-1].seq if events else 0,
            "terminal_types": " ".join(TERMINAL_EVENT.values()),
            "can_cancel": not run.is_terminal and user_can(request.user, WRITE, run.project),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/runs/run/viewer.html", context)

    def events_json(self, request, object_id):
        """Events after `after_seq` (at most EVENTS_PAGE), with the run's status."""
        run = self.object_or_404(request, object_id)
        try:
            after_seq = selectors.parse_after_seq(request.GET.get("after_seq"))
        except (ApiError, ServiceError) as error:
            return JsonResponse({"detail": str(error.detail), "errors": error.errors}, status=400)
        rows = Event.objects.filter(run=run, seq__gt=after_seq).order_by("seq")[:EVENTS_PAGE]
        events = [viewer.event_json(selectors.event_out(row), row, run.created_at) for row in rows]
        run.refresh_from_db(fields=["status"])
        return JsonResponse({"data": events, "status": run.status, "terminal": run.is_terminal})

    def chat_view(self, request):
        return admin_chat.chat_page(self, request)

    def chat_send_view(self, request):
        return admin_chat.chat_send(self, request)

    def changelist_view(self, request, extra_context=None):
        can_chat = in_any_project(request, WRITE)
        return super().changelist_view(request, {"can_chat": can_chat, **(extra_context or {})})

    def cancel_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        run = self.object_or_404(request, object_id)
        if not user_can(request.user, WRITE, run.project):
            raise PermissionDenied
        try:
            services.cancel_run(run=run)
            self.message_user(request, f"Cancellation of {run.pk} requested.", messages.SUCCESS)
        except StateConflict as error:
            self.message_user(request, str(error.detail), messages.WARNING)
        return HttpResponseRedirect(admin_url(run))
