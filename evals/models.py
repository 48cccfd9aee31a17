"""Evals: datasets (a kind of the versioned-definition layer), eval runs and their per item x
repeat results, promotion policies (the gate), gate overrides, and human feedback on runs."""
from __future__ import annotations

from django.db import models
from django.utils import timezone

from agent_platform.definitions.kinds import DefinitionKind
from agent_platform.definitions.models import Definition, DefinitionVersion, EnvironmentPointer, Promotion
from agent_platform.ids import new_id


def new_dataset_id() -> str:
    return new_id("ds")


def new_eval_id() -> str:
    return new_id("evl")


def new_policy_id() -> str:
    return new_id("pol")


def new_feedback_id() -> str:
    return new_id("fb")


class Dataset(Definition):
    id = models.CharField(primary_key=True, max_length=40, default=new_dataset_id, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="uniq_dataset_name")]
        ordering = ["name"]


class DatasetVersion(DefinitionVersion):
    """`body` = {"items": [{"id", "input", "expected"?, "metadata"?, "tags"?, "split"?}, ...]}.
    Never updated: every change to a dataset stores a new version."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="versions")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dataset", "number"], name="uniq_dataset_version_number"),
            models.UniqueConstraint(fields=["dataset", "content_hash"], name="uniq_dataset_version_hash"),
        ]
        ordering = ["-number"]

    @property
    def items(self) -> list[dict]:
        return list(self.body.get("items") or [])


class DatasetEnvironment(EnvironmentPointer):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="environments")
    version = models.ForeignKey(DatasetVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dataset", "name"], name="uniq_dataset_environment")]


class DatasetPromotion(Promotion):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="promotions")
    version = models.ForeignKey(DatasetVersion, on_delete=models.PROTECT, related_name="+")
    previous_version = models.ForeignKey(DatasetVersion, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+")


DATASETS = DefinitionKind(
    name="dataset", label="Dataset", id_prefix="ds", url_prefix="datasets",
    definition_model=Dataset, version_model=DatasetVersion, environment_model=DatasetEnvironment,
    promotion_model=DatasetPromotion, validate_body="evals.dataset_items.validate_dataset_body",
    in_use_message="dataset {name!r} has evals that pin its versions; they are kept for their history",
    in_use_field="dataset")

# Eval statuses
QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = "queued", "running", "succeeded", "failed", "cancelled"
EVAL_STATUSES = (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED)
TERMINAL = (SUCCEEDED, FAILED, CANCELLED)

# Result statuses
PENDING, DONE, ERRORED = "pending", "done", "errored"
RESULT_STATUSES = (PENDING, RUNNING, DONE, ERRORED)


class EvalRun(models.Model):
    """One evaluation of one pinned target version on one pinned dataset version."""

    id = models.CharField(primary_key=True, max_length=40, default=new_eval_id, editable=False)
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="+")
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="evals")
    dataset_version = models.ForeignKey(DatasetVersion, on_delete=models.PROTECT, related_name="evals")
    kind = models.CharField(max_length=16, choices=[("agent", "agent"), ("workflow", "workflow")])
    agent = models.ForeignKey("agents.Agent", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    agent_version = models.ForeignKey("agents.AgentVersion", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    workflow = models.ForeignKey("workflows.Workflow", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    workflow_version = models.ForeignKey("workflows.WorkflowVersion", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    environment = models.CharField(max_length=8, blank=True, default="")  # how the target was named
    metrics = models.JSONField(default=list)  # [{type, name?, ...config}] as requested (validated)
    thresholds = models.JSONField(default=list)  # ["pass_rate(exact) >= 0.9", ...]
    baseline = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    tags = models.JSONField(default=list, blank=True)  # only items with one of these tags (empty: all)
    repeats = models.PositiveIntegerField(default=1)
    concurrency = models.PositiveIntegerField(default=4)
    fresh = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=[(s, s) for s in EVAL_STATUSES], default=QUEUED, db_index=True)
    total = models.PositiveIntegerField(default=0)  # item x repeat results
    completed = models.PositiveIntegerField(default=0)
    report = models.JSONField(null=True, blank=True)
    passed = models.BooleanField(null=True)
    error = models.JSONField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)
    lease_owner = models.CharField(max_length=100, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    created_by = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["project", "-created_at"], name="eval_project_created")]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.id

    @property
    def target_version(self):
        return self.agent_version if self.kind == "agent" else self.workflow_version

    @property
    def target(self):
        return self.agent if self.kind == "agent" else self.workflow

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL


class EvalResult(models.Model):
    """One item x repeat of an eval: the run it made (or the result it reused), the output, the
    metric values. The unique constraint is what makes the fan-out idempotent across restarts."""

    eval = models.ForeignKey(EvalRun, on_delete=models.CASCADE, related_name="results")
    item_id = models.CharField(max_length=200)
    repeat = models.PositiveIntegerField(default=0)
    position = models.PositiveIntegerField(default=0)  # the item's place in the dataset version
    tags = models.JSONField(default=list, blank=True)
    reuse_key = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=16, choices=[(s, s) for s in RESULT_STATUSES], default=PENDING)
    run = models.ForeignKey("runs.Run", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reused_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    output = models.JSONField(null=True, blank=True)
    scores = models.JSONField(default=dict, blank=True)  # metric name -> {value, passed, reason, details}
    latency_ms = models.FloatField(null=True, blank=True)
    input_tokens = models.IntegerField(null=True, blank=True)
    output_tokens = models.IntegerField(null=True, blank=True)
    cost_usd = models.FloatField(null=True, blank=True)
    error = models.JSONField(null=True, blank=True)  # the run failed: {type, message}
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["eval", "item_id", "repeat"], name="uniq_eval_item_repeat")]
        ordering = ["position", "repeat"]


class PromotionPolicy(models.Model):
    """What promoting a target to an environment requires: a passing eval of that exact version
    on `dataset` (its latest version when `latest_dataset_version`), with `thresholds`, at most
    `max_age_days` old."""

    id = models.CharField(primary_key=True, max_length=40, default=new_policy_id, editable=False)
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=[("agent", "agent"), ("workflow", "workflow")])
    agent = models.ForeignKey("agents.Agent", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    workflow = models.ForeignKey("workflows.Workflow", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="+")
    environment = models.CharField(max_length=8)
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="policies")
    latest_dataset_version = models.BooleanField(default=True)
    thresholds = models.JSONField(default=list)
    max_age_days = models.PositiveIntegerField(null=True, blank=True, default=7)
    created_by = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agent", "environment"], name="uniq_policy_agent_env",
                                    condition=models.Q(agent__isnull=False)),
            models.UniqueConstraint(fields=["workflow", "environment"], name="uniq_policy_workflow_env",
                                    condition=models.Q(workflow__isnull=False)),
        ]
        ordering = ["created_at"]
        verbose_name_plural = "promotion policies"

    def __str__(self) -> str:
        return f"{self.target} -> {self.environment}"

    @property
    def target(self):
        return self.agent if self.kind == "agent" else self.workflow


class GateOverride(models.Model):
    """An owner promoted although the policy's gate refused: who, why, and what failed
    (audited by django-auditlog)."""

    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="+")
    policy = models.ForeignKey(PromotionPolicy, null=True, on_delete=models.SET_NULL, related_name="overrides")
    kind = models.CharField(max_length=16)
    target_id = models.CharField(max_length=40)
    version_number = models.PositiveIntegerField()
    environment = models.CharField(max_length=8)
    actor = models.CharField(max_length=200, blank=True, default="")
    reason = models.CharField(max_length=500)
    failures = models.JSONField(default=dict)
    eval = models.ForeignKey(EvalRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]


class EvalExport(models.Model):
    """A finished eval's report as a file (JUnit XML, Markdown, JSON) in the artifacts storage,
    content-addressed (`exports/<xx>/<sha256>`); the object goes with the last row naming it."""

    eval = models.ForeignKey(EvalRun, on_delete=models.CASCADE, related_name="exports")
    format = models.CharField(max_length=16)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["eval", "format"], name="eval_export_per_format")]


THUMBS = ("up", "down")


class Feedback(models.Model):
    """A person's judgement of a run: thumbs, a score, a comment (the `human` metric reads them)."""

    id = models.CharField(primary_key=True, max_length=40, default=new_feedback_id, editable=False)
    project = models.ForeignKey("accounts.Project", on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey("runs.Run", on_delete=models.CASCADE, related_name="feedback")
    thumbs = models.CharField(max_length=4, blank=True, default="", choices=[(t, t) for t in THUMBS])
    score = models.FloatField(null=True, blank=True)
    comment = models.TextField(blank=True, default="")
    created_by = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        verbose_name_plural = "feedback"

    def as_case_feedback(self) -> dict:
        return {"thumbs": self.thumbs or None, "score": self.score, "comment": self.comment or None}
