"""Typed runtime errors. Each has a stable `code` that the API and events expose.

Errors are raised by the engine and mapped to HTTP / run errors once, by the Django side.
"""
from __future__ import annotations


class PlatformError(Exception):
    """Base of every typed error of the platform: the engine's (here) and the services' refusals
    (`agent_platform.service_errors`)."""

    code = "runtime_error"
    retryable = False

    def __init__(self, message: str = "", **details: object) -> None:
        super().__init__(message or self.code)
        self.message = message or self.code
        self.details = details

    def to_dict(self) -> dict:
        return {"type": self.code, "message": self.message, **({"details": self.details} if self.details else {})}


# --- models -----------------------------------------------------------------
class ModelError(PlatformError):
    code = "model_error"


class ModelRateLimited(ModelError):
    code = "model_rate_limited"
    retryable = True

    def __init__(self, message: str = "", retry_after: float | None = None, **details: object) -> None:
        super().__init__(message, **details)
        self.retry_after = retry_after


class ModelTimeout(ModelError):
    code = "model_timeout"
    retryable = True


class ModelServerError(ModelError):
    code = "model_server_error"
    retryable = True


class ModelBadRequest(ModelError):
    code = "model_bad_request"


class ModelAuthError(ModelError):
    code = "model_auth_error"


class ModelMalformedResponse(ModelError):
    code = "model_malformed_response"
    retryable = True


class ModelUnavailable(ModelError):
    """A provider cannot be used on this machine (missing package, missing key)."""

    code = "model_unavailable"


# --- tools ------------------------------------------------------------------
class ToolError(PlatformError):
    code = "tool_error"


class ToolNotFound(ToolError):
    code = "tool_not_found"


class ToolInputInvalid(ToolError):
    code = "tool_input_invalid"


class ToolOutputInvalid(ToolError):
    code = "tool_output_invalid"


class ToolTimeout(ToolError):
    code = "tool_timeout"
    retryable = True


class WorkerSaturated(ToolError):
    """Too many timed-out calls are still running on this worker's threads (`runtime.bounded_call`):
    a new tool call or node is refused rather than adding another thread."""

    code = "worker_saturated"
    retryable = True


class ToolRefused(ToolError):
    """A call refused by policy (SSRF guard, rate limit, missing secret)."""

    code = "tool_refused"


class ToolRateLimited(ToolError):
    code = "tool_rate_limited"
    retryable = True


class ToolOutcomeUnknown(ToolError):
    """A side-effecting call started before (an intent is recorded) but has no result:
    running it again could repeat its effect, so it is refused."""

    code = "tool_outcome_unknown"


class ToolConnectionError(ToolError):
    """The tool could not reach its server (connection refused, reset, TLS failure)."""

    code = "tool_connection_error"
    retryable = True


class CodeExecutionError(ToolError):
    """Sandboxed user code failed: syntax error, exception, or a result that is not JSON.
    `details["kind"]` says which; the message carries the user-code traceback only."""

    code = "code_error"


class SandboxUnavailable(ToolError):
    code = "sandbox_unavailable"


class SandboxLimitExceeded(ToolError):
    code = "sandbox_limit_exceeded"


# --- runs -------------------------------------------------------------------
class RunAborted(PlatformError):
    """Base of errors that end a run without it being the model's or a tool's fault."""

    code = "run_aborted"


class Cancelled(RunAborted):
    code = "cancelled"


class RunTimedOut(RunAborted):
    code = "timed_out"


class StepLimitExceeded(RunAborted):
    code = "step_limit_exceeded"


class BudgetExceeded(RunAborted):
    code = "budget_exceeded"


class TooManyToolErrors(RunAborted):
    """More tool calls failed in one run than the agent's `max_tool_errors` allows."""

    code = "tool_error_limit_exceeded"


class GuardrailBlocked(PlatformError):
    code = "guardrail_blocked"


class OutputInvalid(PlatformError):
    """The final answer failed its output schema, also after the repair turn."""

    code = "output_invalid"


class InputInvalid(PlatformError):
    code = "input_invalid"


class AgentSpecInvalid(PlatformError):
    """An agent definition the engine cannot run (unknown tool, unknown guardrail type, ...)."""

    code = "agent_spec_invalid"


class WaitingForInput(PlatformError):
    """Raised inside the engine to pause a run (human input, tool approval).

    Not a failure: the executor catches it, checkpoints, and sets the run to `waiting`.
    """

    code = "waiting"

    def __init__(self, reason: str, prompt: dict | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.prompt = prompt or {}


class Handoff(PlatformError):
    """Raised by a handoff tool to end an agent's loop and pass control to another agent
    (multi-agent workflows). Not a failure: the agent loop returns with `handoff` set."""

    code = "handoff"

    def __init__(self, target: str, payload: dict | None = None) -> None:
        super().__init__(f"handoff to {target}")
        self.target = target
        self.payload = payload or {}


# --- workflows (runtime.graph) ---------------------------------------------
class GraphInvalid(PlatformError):
    """A workflow graph failed validation or compilation; `errors` lists what and where."""

    code = "graph_invalid"

    def __init__(self, errors: list, message: str = "") -> None:
        super().__init__(message or "; ".join(str(e) for e in errors[:5]) or "invalid graph",
                         errors=[e.to_dict() if hasattr(e, "to_dict") else e for e in errors])
        self.errors = errors


class ExpressionInvalid(PlatformError):
    """A state-mapping expression, template or condition does not parse."""

    code = "expression_invalid"


class NodeFailed(PlatformError):
    """A workflow node failed without an error route; `cause` is the node's own error."""

    code = "node_failed"

    def __init__(self, node_id: str, cause: BaseException) -> None:
        cause_dict = cause.to_dict() if isinstance(cause, PlatformError) else {
            "type": type(cause).__name__, "message": str(cause)[:500]}
        super().__init__(f"node {node_id} failed: {cause_dict['message']}", node=node_id, cause=cause_dict)
        self.node_id = node_id
        self.cause = cause


class NodeTimeout(PlatformError):
    code = "node_timeout"
    retryable = True


class NodeInputInvalid(InputInvalid):
    code = "node_input_invalid"


class NodeOutputInvalid(OutputInvalid):
    code = "node_output_invalid"


class LoopLimitExceeded(PlatformError):
    code = "loop_limit_exceeded"


class NodeServiceMissing(PlatformError):
    """A node needs a service (agents, models, tools, retriever, code) the run was not given."""

    code = "node_service_missing"


# --- documents (RAG ingestion) ----------------------------------------------
class DocumentError(PlatformError):
    """A document cannot be ingested; the message says why, for the document's `error` field."""

    code = "document_error"


class DocumentEmpty(DocumentError):
    code = "document_empty"


class DocumentUnsupportedType(DocumentError):
    code = "document_unsupported_type"


class DocumentCorrupt(DocumentError):
    code = "document_corrupt"


class DocumentEncrypted(DocumentError):
    code = "document_encrypted"


class DocumentUrlRefused(DocumentError):
    """A URL source refused by the SSRF policy (private, loopback, metadata addresses...)."""

    code = "document_url_refused"


class DocumentFetchFailed(DocumentError):
    """A URL source that could not be fetched (DNS, timeout, HTTP error status, too large)."""

    code = "document_fetch_failed"


class KnowledgeBaseNotFound(ToolError):
    """A retrieval names a knowledge base that does not exist in the caller's project."""

    code = "knowledge_base_not_found"


# --- embeddings -------------------------------------------------------------
class EmbeddingError(PlatformError):
    code = "embedding_error"


class EmbeddingUnavailable(EmbeddingError):
    """Unknown embedding model ref, missing package or missing configuration (key, base_url)."""

    code = "embedding_unavailable"


class EmbeddingDimensionMismatch(EmbeddingError):
    code = "embedding_dimension_mismatch"


class EmbeddingProviderError(EmbeddingError):
    """The provider rejected the request (auth, bad input); retrying will not help."""

    code = "embedding_provider_error"


class EmbeddingTransientError(EmbeddingError):
    """Timeout, rate limit or server error from the provider; worth retrying later."""

    code = "embedding_transient_error"
    retryable = True
