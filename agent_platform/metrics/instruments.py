"""The metric families (created once per process; in multiprocess mode their samples go to files).

Model calls use the OpenTelemetry GenAI semantic conventions' names and buckets
(`gen_ai.client.operation.duration`, `gen_ai.client.token.usage`). Every family also carries the
run's context labels (labels.CONTEXT): project, target kind and name, version, environment.
"""
from __future__ import annotations

from prometheus_client import Counter, Histogram

from agent_platform.metrics.labels import CONTEXT
from dashboards.buckets import DURATION_BOUNDS_MS

# OTel GenAI semantic conventions (explicit bucket boundaries advised for these two instruments).
GEN_AI_DURATION_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92)
GEN_AI_TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864)
RUN_DURATION_BUCKETS = tuple(bound / 1000 for bound in DURATION_BOUNDS_MS)  # the dashboards' buckets
CALL_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
GEN_AI = ("gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model")

runs_started = Counter("platform_runs_started", "Runs started by a worker (first start only).", CONTEXT)
runs_finished = Counter("platform_runs_finished", "Runs that reached a terminal status.", (*CONTEXT, "model", "status"))
run_duration = Histogram("platform_run_duration_seconds", "Run duration, started to finished.", (*CONTEXT, "status"),
                         buckets=RUN_DURATION_BUCKETS)
cost = Counter("platform_cost_usd", "Model cost in US dollars, per model call.", (*CONTEXT, "model"))
gen_ai_duration = Histogram("gen_ai_client_operation_duration_seconds", "GenAI operation duration.",
                            (*GEN_AI, "error_type", *CONTEXT), buckets=GEN_AI_DURATION_BUCKETS)
gen_ai_tokens = Histogram("gen_ai_client_token_usage", "Tokens used per GenAI operation, by token type.",
                          (*GEN_AI, "gen_ai_token_type", *CONTEXT), buckets=GEN_AI_TOKEN_BUCKETS)
tool_duration = Histogram("platform_tool_call_duration_seconds", "Tool call duration.", ("tool", "status", *CONTEXT),
                          buckets=CALL_BUCKETS)
tool_errors = Counter("platform_tool_call_errors", "Tool calls that ended in an error, by error type.",
                      ("tool", "error_type", *CONTEXT))
retrieval_duration = Histogram("platform_retrieval_duration_seconds", "Knowledge-base retrieval latency.",
                               ("knowledge_base", "status", *CONTEXT), buckets=CALL_BUCKETS)
