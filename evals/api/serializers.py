"""Request and response shapes of the evals API (they document the OpenAPI schema; the services
validate the parts that need the database)."""
from __future__ import annotations

from rest_framework import serializers

from agent_platform.api.serializers import StrictSerializer
from agent_platform.definitions.api.serializers import name_field
from agent_platform.definitions.models import ENVIRONMENTS


class DatasetItemIn(StrictSerializer):
    id = serializers.CharField(required=False)
    input = serializers.JSONField()
    expected = serializers.JSONField(required=False)
    metadata = serializers.DictField(required=False)
    tags = serializers.ListField(child=serializers.CharField(), required=False)
    split = serializers.CharField(required=False)


class DatasetVersionIn(StrictSerializer):
    """The version body: the whole item set (validated as a whole by evals.dataset_items)."""

    items = DatasetItemIn(many=True)


class DatasetCreateIn(StrictSerializer):
    """JSON `{name, description?, items?}`, or multipart with `name`, `file` (CSV / JSONL) and an
    optional CSV column `mapping` (a JSON object {item key or metadata.<name>: column})."""

    name = name_field()
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    items = serializers.ListField(child=serializers.JSONField(), required=False)
    file = serializers.FileField(required=False)
    mapping = serializers.JSONField(required=False)
    format = serializers.ChoiceField(choices=["csv", "jsonl"], required=False)


class DatasetItemsIn(StrictSerializer):
    """Exactly one of `items`, `from_runs` (JSON) or `file` (multipart). Items with an existing id
    replace it; `replace: true` makes them the whole set; `remove` drops ids."""

    items = serializers.ListField(child=serializers.JSONField(), required=False)
    from_runs = serializers.ListField(child=serializers.CharField(), required=False)
    file = serializers.FileField(required=False)
    mapping = serializers.JSONField(required=False)
    format = serializers.ChoiceField(choices=["csv", "jsonl"], required=False)
    replace = serializers.BooleanField(required=False, default=False)
    remove = serializers.ListField(child=serializers.CharField(), required=False)
    tags = serializers.ListField(child=serializers.CharField(), required=False,
                                 help_text="tags added to every new item")


class DatasetDetailOut(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    latest_version = serializers.IntegerField(allow_null=True)
    items = serializers.IntegerField(help_text="items in the latest version")
    environments = serializers.DictField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class EvalTargetIn(StrictSerializer):
    agent = serializers.CharField(required=False)
    workflow = serializers.CharField(required=False)
    version = serializers.IntegerField(required=False, min_value=1)
    environment = serializers.ChoiceField(choices=ENVIRONMENTS, required=False)


class EvalCreateIn(StrictSerializer):
    dataset = serializers.CharField()
    dataset_version = serializers.IntegerField(required=False, min_value=1)
    tags = serializers.ListField(child=serializers.CharField(), required=False,
                                 help_text="only items with one of these tags (or splits)")
    target = EvalTargetIn()
    metrics = serializers.ListField(child=serializers.DictField(), help_text="[{type, name?, ...config}]")
    thresholds = serializers.ListField(child=serializers.CharField(), required=False)
    baseline = serializers.CharField(required=False, help_text="an eval id or env:<environment>")
    repeats = serializers.IntegerField(required=False, min_value=1, max_value=20)
    concurrency = serializers.IntegerField(required=False, min_value=1, max_value=64)
    fresh = serializers.BooleanField(required=False)


class EvalOut(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.ChoiceField(choices=["queued", "running", "succeeded", "failed", "cancelled"])
    dataset = serializers.DictField()
    target = serializers.DictField()
    metrics = serializers.ListField(child=serializers.DictField())
    repeats = serializers.IntegerField()
    concurrency = serializers.IntegerField()
    fresh = serializers.BooleanField()
    tags = serializers.ListField(child=serializers.CharField())
    baseline = serializers.CharField(allow_null=True)
    progress = serializers.DictField()
    summary = serializers.DictField(allow_null=True)
    totals = serializers.DictField(allow_null=True, help_text="judge_scored, judge_input_tokens, "
                                   "judge_output_tokens, judge_cost_usd (the judge models' usage, costed with "
                                   "the platform's price table)")
    thresholds = serializers.ListField(child=serializers.DictField())
    passed = serializers.BooleanField(allow_null=True)
    comparison = serializers.DictField(required=False)
    error = serializers.DictField(allow_null=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


class EvalItemOut(serializers.Serializer):
    item_id = serializers.CharField()
    repeat = serializers.IntegerField()
    status = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    input = serializers.JSONField()
    expected = serializers.JSONField()
    output = serializers.JSONField()
    scores = serializers.DictField()
    passed = serializers.BooleanField(allow_null=True)
    run_id = serializers.CharField(allow_null=True)
    reused = serializers.BooleanField()
    latency_ms = serializers.FloatField(allow_null=True)
    input_tokens = serializers.IntegerField(allow_null=True)
    output_tokens = serializers.IntegerField(allow_null=True)
    cost_usd = serializers.FloatField(allow_null=True)
    error = serializers.DictField(allow_null=True)


class PolicyIn(StrictSerializer):
    target = EvalTargetIn()
    environment = serializers.ChoiceField(choices=ENVIRONMENTS)
    dataset = serializers.CharField()
    thresholds = serializers.ListField(child=serializers.CharField(), min_length=1)
    latest_dataset_version = serializers.BooleanField(required=False, default=True)
    max_age_days = serializers.IntegerField(required=False, allow_null=True, min_value=1, default=7)


class PolicyOut(serializers.Serializer):
    id = serializers.CharField()
    target = serializers.DictField()
    environment = serializers.CharField()
    dataset = serializers.DictField()
    thresholds = serializers.ListField(child=serializers.CharField())
    latest_dataset_version = serializers.BooleanField()
    max_age_days = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class FeedbackIn(StrictSerializer):
    thumbs = serializers.ChoiceField(choices=["up", "down"], required=False)
    score = serializers.FloatField(required=False)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=10_000)


class FeedbackOut(serializers.Serializer):
    id = serializers.CharField()
    run_id = serializers.CharField()
    thumbs = serializers.CharField(allow_null=True)
    score = serializers.FloatField(allow_null=True)
    comment = serializers.CharField()
    created_by = serializers.CharField()
    created_at = serializers.DateTimeField()


class OverrideIn(StrictSerializer):
    """Promote although the policy's gate refuses (owners only); the reason is recorded."""

    target = EvalTargetIn()
    environment = serializers.ChoiceField(choices=ENVIRONMENTS)
    reason = serializers.CharField(max_length=500)


class OverrideOut(serializers.Serializer):
    environment = serializers.CharField()
    version = serializers.IntegerField()
    previous_version = serializers.IntegerField(allow_null=True)
    promoted_by = serializers.CharField()
    promoted_at = serializers.DateTimeField()
    note = serializers.CharField()
