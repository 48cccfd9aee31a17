"""Runs and what they leave behind: events, checkpoints, tool-call records, spans, blobs."""
from __future__ import annotations

from django.db import models
from django.utils import timezone

from agent_platform.ids import new_id

QUEUED, RUNNING, WAITING = "queued", "running", "waiting"
SUCCEEDED, FAILED, CANCELLED, TIMED_OUT = "succeeded", "failed", "cancelled", "timed_out"
STATUSES = (QUEUED, RUNNING, WAITING, SUCCEEDED, FAILED, CANCELLED, TIMED_OUT)
TERMINAL = frozenset({SUCCEEDED, FAILED, CANCELLED, TIMED_OUT})


def new_run_id() -> str:
    return new_id("run")


class Run(models.Model):
    id = models.CharField(primary_key=True, max_length=40, default=new_run_id, editable=False)
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="runs")
    kind = models.CharField(max_length=16, choices=[("agent", "agent"), ("workflow", "workflow")])
    agent = models.ForeignKey("agents.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="runs")
    agent_version = models.ForeignKey("agents.AgentVersion", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="runs")
    workflow = models.ForeignKey("workflows.Workflow", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="runs")
    workflow_version = models.ForeignKey("workflows.WorkflowVersion", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="runs")
    environment = models.CharField(max_length=8, blank=True, default="")
    status = models.CharField(max_length=16, choices=[(s, s) for s in STATUSES], default=QUEUED, db_index=True)
    input = models.JSONField(default=dict)
    output = models.JSONField(null=True, blank=True)
    error = models.JSONField(null=True, blank=True)  # {type, message, details?}
    usage = models.JSONField(default=dict)  # {input_tokens, output_tokens, cost_usd}
    metadata = models.JSONField(default=dict, blank=True)
    webhook_url = models.URLField(max_length=2000, blank=True, default="")
    waiting_for = models.JSONField(null=True, blank=True)  # what a waiting run needs: {reason, prompt}
    parent_run = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    timeout_s = models.FloatField(default=300)
    cancel_requested = models.BooleanField(default=False)
    # Execution bookkeeping: last event seq, lease of the worker executing it, attempts.
    last_seq = models.IntegerField(default=0)
    lease_owner = models.CharField(max_length=100, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    resumed_at = models.DateTimeField(null=True, blank=True)  # last answer to a pause: the timeout restarts
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["project", "-created_at"], name="run_project_created")]

    def __str__(self) -> str:
        return self.id

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL


class Event(models.Model):
    """One step of a run, in order: `seq` starts at 1 per run and has no gaps."""

    id = models.BigAutoField(primary_key=True)
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="events", db_index=False)
    seq = models.IntegerField()
    type = models.CharField(max_length=64)
    ts = models.DateTimeField()
    node_id = models.CharField(max_length=200, blank=True, default="")
    span_id = models.CharField(max_length=32, blank=True, default="")
    data = models.JSONField(default=dict)
    # Which checkpoint interval the event belongs to and its ordinal within it: a resumed run
    # re-executing that interval skips the events it already delivered.
    step = models.IntegerField(default=0)
    ordinal = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "seq"], name="uniq_event_seq")]


class Checkpoint(models.Model):
    """An append-only delta; a run's state is the fold of its checkpoints in `idx` order."""

    id = models.BigAutoField(primary_key=True)
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="checkpoints", db_index=False)
    idx = models.IntegerField()
    key = models.CharField(max_length=300)
    delta = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "idx"], name="uniq_checkpoint_idx")]


class Blob(models.Model):
    """A large payload stored once (by content hash) and referenced from checkpoints as
    `{"$blob": sha256}`. The bytes (its compact JSON) are an artifact (`blobs/…`,
    agent_platform/artifacts.py); this row is what keeps them: retention deletes the row once no
    checkpoint references it, then the object."""

    sha256 = models.CharField(primary_key=True, max_length=64)
    size = models.IntegerField()
    created_at = models.DateTimeField(default=timezone.now)


class ToolCallRecord(models.Model):
    """The ledger of tool calls by idempotency key: an intent before a call, the result after."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="tool_calls")
    key = models.CharField(max_length=300)
    result = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "key"], name="uniq_tool_call_key")]


class Span(models.Model):
    id = models.CharField(primary_key=True, max_length=32)
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="spans")
    parent_id = models.CharField(max_length=32, blank=True, default="")
    kind = models.CharField(max_length=16)  # model | tool | retrieval | node
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=16, default="ok")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True)
    duration_ms = models.FloatField(null=True)
    input_tokens = models.IntegerField(default=0)
    output_tokens = models.IntegerField(default=0)
    cost_usd = models.FloatField(default=0)
    attributes = models.JSONField(default=dict)
    error = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["run", "started_at"], name="span_run_started")]
