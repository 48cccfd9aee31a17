from __future__ import annotations

from rest_framework import serializers

from agent_platform.api.serializers import StrictSerializer


class LimitsIn(StrictSerializer):
    """PUT body: every limit optional; a limit left out or null is removed (no limit)."""

    requests_per_minute = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False, allow_null=True)
    concurrent_runs = serializers.IntegerField(min_value=0, max_value=100_000, required=False, allow_null=True)
    tokens_per_day = serializers.IntegerField(min_value=0, max_value=10**15, required=False, allow_null=True)
    usd_per_day = serializers.DecimalField(max_digits=12, decimal_places=4, min_value=0, required=False,
                                           allow_null=True, coerce_to_string=False)
    usd_per_month = serializers.DecimalField(max_digits=12, decimal_places=4, min_value=0, required=False,
                                             allow_null=True, coerce_to_string=False)
    run_token_estimate = serializers.IntegerField(
        min_value=0, max_value=10**9, required=False, allow_null=True,
        help_text="tokens reserved at admission per run (default: the agent's limits.max_tokens, else the "
                  "input's size)")


class LimitsOut(serializers.Serializer):
    scope = serializers.ChoiceField(choices=["project", "api_key"])
    api_key_id = serializers.CharField(allow_null=True)
    requests_per_minute = serializers.IntegerField(allow_null=True)
    concurrent_runs = serializers.IntegerField(allow_null=True)
    tokens_per_day = serializers.IntegerField(allow_null=True)
    usd_per_day = serializers.FloatField(allow_null=True)
    usd_per_month = serializers.FloatField(allow_null=True)
    run_token_estimate = serializers.IntegerField(allow_null=True)


def limits_out(row) -> dict:
    def usd(value):
        return None if value is None else float(value)
    return {"scope": "api_key" if row.api_key_id else "project", "api_key_id": row.api_key_id,
            "requests_per_minute": row.requests_per_minute, "concurrent_runs": row.concurrent_runs,
            "tokens_per_day": row.tokens_per_day, "usd_per_day": usd(row.usd_per_day),
            "usd_per_month": usd(row.usd_per_month), "run_token_estimate": row.run_token_estimate}


class CounterOut(serializers.Serializer):
    limit = serializers.FloatField(allow_null=True, help_text="null: no limit")
    used = serializers.FloatField()
    remaining = serializers.FloatField(allow_null=True)


class WindowCounterOut(CounterOut):
    reserved = serializers.FloatField(help_text="held by runs in flight (estimates, not yet used)")
    resets_at = serializers.DateTimeField()


class ScopeUsageOut(serializers.Serializer):
    scope = serializers.ChoiceField(choices=["project", "api_key"])
    api_key_id = serializers.CharField(allow_null=True)
    name = serializers.CharField(allow_null=True)
    requests_per_minute = CounterOut()
    concurrent_runs = CounterOut()
    tokens_per_day = WindowCounterOut()
    usd_per_day = WindowCounterOut()
    usd_per_month = WindowCounterOut()


class UsageReportOut(serializers.Serializer):
    project = ScopeUsageOut()
    api_keys = ScopeUsageOut(many=True, help_text="keys that have limits of their own")
