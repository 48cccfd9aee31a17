"""Typed errors of the eval engine. Each names the offending field so the API can answer a
4xx problem+json with it (`details["field"]`)."""
from __future__ import annotations

from runtime.errors import PlatformError


class EvalError(PlatformError):
    """Base of eval engine errors."""

    code = "eval_error"


class MetricUnknown(EvalError):
    """A metric `type` that no class is registered for; `details["known"]` lists the known ones."""

    code = "metric_unknown"


class MetricConfigInvalid(EvalError):
    """A metric config that does not fit its typed form; `details["field"]` names the field."""

    code = "metric_config_invalid"


class MetricServiceMissing(EvalError):
    """A metric needs a service (judge models, embedder, sandbox) the caller did not provide."""

    code = "metric_service_missing"


class MetricScoringFailed(EvalError):
    """A metric could not score one case (a judge answer that cannot be parsed, a code metric
    returning something that is not a score). Recorded on that result, never fatal to an eval."""

    code = "metric_scoring_failed"


class PathInvalid(EvalError):
    """A `path` / `json_path` with bad syntax; `details["position"]` is where parsing stopped."""

    code = "path_invalid"


class ThresholdInvalid(EvalError):
    """A threshold expression that does not parse; `details["position"]` is the 0-based offset."""

    code = "threshold_invalid"


class ThresholdMetricUnknown(EvalError):
    """A threshold that names a metric the eval does not request."""

    code = "threshold_metric_unknown"


class ThresholdNeedsBaseline(EvalError):
    """`delta(...)` and `no_regression(...)` compare against a baseline, and none was given."""

    code = "threshold_needs_baseline"
