from __future__ import annotations

from rest_framework import serializers

from agent_platform.api.serializers import StrictSerializer
from retention.models import KINDS, Purge, RunHold

MAX_DAYS = 36_500


def _days(kind: str) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_DAYS, allow_null=True, required=False,
                                    help_text=f"days to keep {KINDS[kind]}; null or absent: forever")


class EnvironmentPeriodsIn(StrictSerializer):
    runs_days = _days("runs_days")
    eval_results_days = _days("eval_results_days")
    feedback_days = _days("feedback_days")


class EnvironmentsIn(StrictSerializer):
    dev = EnvironmentPeriodsIn(required=False, allow_null=True)
    stage = EnvironmentPeriodsIn(required=False, allow_null=True)
    prod = EnvironmentPeriodsIn(required=False, allow_null=True)


class RetentionIn(StrictSerializer):
    """The whole policy (PUT replaces it): absent periods keep forever."""

    runs_days = _days("runs_days")
    eval_results_days = _days("eval_results_days")
    feedback_days = _days("feedback_days")
    audit_days = _days("audit_days")
    legal_hold = serializers.BooleanField(required=False, help_text="keep everything of the project")
    legal_hold_reason = serializers.CharField(max_length=500, required=False, allow_blank=True)
    environments = EnvironmentsIn(required=False, help_text="periods of one environment's runs, feedback "
                                                            "and evals; an absent period follows the project")


class EnvironmentPeriodsOut(serializers.Serializer):
    runs_days = serializers.IntegerField(allow_null=True)
    eval_results_days = serializers.IntegerField(allow_null=True)
    feedback_days = serializers.IntegerField(allow_null=True)


class RetentionOut(serializers.Serializer):
    runs_days = serializers.IntegerField(allow_null=True)
    eval_results_days = serializers.IntegerField(allow_null=True)
    feedback_days = serializers.IntegerField(allow_null=True)
    audit_days = serializers.IntegerField(allow_null=True)
    legal_hold = serializers.BooleanField()
    legal_hold_reason = serializers.CharField()
    environments = serializers.DictField(child=EnvironmentPeriodsOut(),
                                         help_text="overrides by environment (`dev`, `stage`, `prod`)")
    updated_at = serializers.DateTimeField(allow_null=True)
    updated_by = serializers.CharField()

    @staticmethod
    def of(policy) -> dict:
        overrides = {o.environment: {"runs_days": o.runs_days, "eval_results_days": o.eval_results_days,
                                     "feedback_days": o.feedback_days}
                     for o in (policy.overrides.all() if policy.pk else [])}
        return RetentionOut({**{kind: getattr(policy, kind) for kind in KINDS}, "legal_hold": policy.legal_hold,
                             "legal_hold_reason": policy.legal_hold_reason, "environments": overrides,
                             "updated_at": policy.updated_at if policy.pk else None,
                             "updated_by": policy.updated_by}).data


class HoldIn(StrictSerializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class HoldOut(serializers.ModelSerializer):
    run = serializers.CharField(source="run_id")

    class Meta:
        model = RunHold
        fields = ["run", "reason", "created_by", "created_at"]


class PurgeOut(serializers.ModelSerializer):
    counts = serializers.DictField(child=serializers.IntegerField(), help_text='rows deleted per model, e.g. '
                                   '{"runs.Run": 500, "runs.Event": 12000}')

    class Meta:
        model = Purge
        fields = ["id", "trigger", "started_at", "finished_at", "counts", "skipped_batches"]


class PurgePageOut(serializers.Serializer):
    data = PurgeOut(many=True)
    next_cursor = serializers.CharField(allow_null=True)
