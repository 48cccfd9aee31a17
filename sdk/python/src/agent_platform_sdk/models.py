"""Typed request and response models of the API, one per OpenAPI component schema.

Each model names its component in `__schema__`; the test suite compares every model's fields
(names, required-ness, nullability) with the schema the server serves, so drift fails CI.
APIModel models keep fields the server adds later (`extra="allow"`: the API may add fields);
request models refuse unknown fields before anything is sent.
"""
from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")
TERMINAL_EVENT_TYPES = frozenset({"run.succeeded", "run.failed", "run.cancelled", "run.timed_out"})
TERMINAL_RUN_STATUSES = frozenset({"succeeded", "failed", "cancelled", "timed_out"})


class APIModel(BaseModel):
    """Base of every response model."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=())
    __schema__: ClassVar[str] = ""


class RequestModel(BaseModel):
    """Base of every request model: `payload()` is the JSON body with unset fields left out."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, protected_namespaces=())
    __schema__: ClassVar[str] = ""

    def payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True, by_alias=True)


class Page(BaseModel, Generic[T]):
    """One page of a list: `data` and the cursor of the next page (None on the last)."""

    data: list[T]
    next_cursor: str | None = None


# --- errors ----------------------------------------------------------------------------------
class Problem(APIModel):
    __schema__ = "Problem"
    type: str
    title: str
    status: int
    detail: str
    errors: dict[str, list[str]] | None = None


# --- agents and workflows (versioned definitions) --------------------------------------------
class Agent(APIModel):
    __schema__ = "AgentOut"
    id: str
    name: str
    description: str | None = None
    environments: dict[str, Any]
    latest_version: int | None
    created_at: str | None = None
    updated_at: str | None = None


class AgentCreate(RequestModel):
    __schema__ = "AgentInRequest"
    name: str
    description: str | None = None


class AgentUpdate(RequestModel):
    __schema__ = "PatchedAgentPatchRequest"
    name: str | None = None
    description: str | None = None


class AgentVersion(APIModel):
    __schema__ = "VersionOut"
    number: int
    body: Any
    content_hash: str
    created_at: str | None = None


class AgentVersionCreate(RequestModel):
    __schema__ = "VersionInRequest"
    model: str
    instructions: str | None = None
    model_settings: dict[str, Any] | None = None
    tools: list[Any] | None = None
    knowledge: list[Any] | None = None
    input_schema: dict[str, Any] | None = None
    output_schema: dict[str, Any] | None = None
    guardrails: list[Any] | None = None
    limits: dict[str, Any] | None = None
    fallbacks: list[Any] | None = None
    cache: bool | None = None


class Promotion(APIModel):
    __schema__ = "PromotionOut"
    environment: str
    version: int
    previous_version: int | None
    note: str | None = None
    promoted_at: str | None = None
    promoted_by: str | None = None


class PromoteRequest(RequestModel):
    __schema__ = "PromoteInRequest"
    version: int
    environment: str
    note: str | None = None


class Workflow(Agent):
    __schema__ = "WorkflowOut"


class WorkflowCreate(AgentCreate):
    __schema__ = "WorkflowInRequest"


class WorkflowUpdate(AgentUpdate):
    __schema__ = "PatchedWorkflowPatchRequest"


class WorkflowVersion(AgentVersion):
    __schema__ = "WorkflowVersionOut"


class WorkflowVersionCreate(RequestModel):
    __schema__ = "WorkflowVersionInRequest"
    graph: dict[str, Any]
    input_schema: dict[str, Any] | None = None
    limits: dict[str, Any] | None = None


class WorkflowPromotion(Promotion):
    __schema__ = "WorkflowPromotionOut"


class WorkflowPromoteRequest(PromoteRequest):
    __schema__ = "WorkflowPromoteInRequest"


# --- runs ------------------------------------------------------------------------------------
class Usage(APIModel):
    __schema__ = "UsageOut"
    input_tokens: int
    output_tokens: int
    cost_usd: float


class Run(APIModel):
    __schema__ = "RunOut"
    id: str
    kind: str
    status: str | None = None
    agent: str | None
    workflow: str | None
    version: int | None
    environment: str | None
    input: Any = None
    output: Any = None
    error: Any = None
    metadata: Any = None
    usage: Usage
    timings: dict[str, Any]
    attempts: int | None = None
    parent_run: str | None
    waiting_for: Any = None
    webhook_url: str | None = None
    created_at: str | None = None
    started_at: str | None = None
    finished_at: str | None = None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_RUN_STATUSES


class RunCreate(RequestModel):
    __schema__ = "RunCreateInRequest"
    agent: str | None = None
    workflow: str | None = None
    version: int | None = None
    environment: str | None = None
    input: Any = None
    metadata: dict[str, Any] | None = None
    webhook_url: str | None = None


class RunResume(RequestModel):
    __schema__ = "RunResumeInRequest"
    input: Any = None
    approve: bool | None = None
    reason: str | None = None
    node: str | None = None


class RunRetry(RequestModel):
    __schema__ = "RetryInRequest"
    from_node: str | None = None


class RunFork(RequestModel):
    __schema__ = "ForkInRequest"
    checkpoint: int
    state_patch: dict[str, Any] | None = None


class RunEvent(APIModel):
    __schema__ = "EventOut"
    seq: int
    run_id: str
    type: str
    ts: str
    node_id: str | None = None
    span_id: str | None = None
    data: dict[str, Any]


class Checkpoint(APIModel):
    __schema__ = "CheckpointOut"
    checkpoint: int
    key: str
    node: str
    status: str | None


class Feedback(APIModel):
    __schema__ = "FeedbackOut"
    id: str
    run_id: str
    score: float | None
    thumbs: str | None
    comment: str
    created_at: str
    created_by: str


class FeedbackCreate(RequestModel):
    __schema__ = "FeedbackInRequest"
    score: float | None = None
    thumbs: str | None = None
    comment: str | None = None


class StreamToken(APIModel):
    __schema__ = "StreamTokenOut"
    token: str
    run: str
    expires_at: str


# --- traces ----------------------------------------------------------------------------------
class Span(APIModel):
    __schema__ = "SpanOut"
    id: str
    run_id: str
    parent_id: str | None
    kind: str
    name: str
    status: str | None = None
    started_at: str
    ended_at: str | None = None
    duration_ms: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    error: Any = None
    attributes: Any = None


class TraceSummary(APIModel):
    __schema__ = "TraceSummaryOut"
    id: str
    run_id: str
    kind: str
    status: str
    agent: str | None
    agent_name: str | None
    workflow: str | None
    workflow_name: str | None
    version: int | None
    environment: str | None
    span_count: int
    input_tokens: int
    output_tokens: int
    tokens: int
    cost_usd: float
    latency_ms: float | None
    created_at: str | None = None
    started_at: str | None
    ended_at: str | None


class Trace(APIModel):
    __schema__ = "TraceOut"
    run_id: str
    status: str
    spans: list[Span]
    totals: Usage


# --- tools -----------------------------------------------------------------------------------
class Tool(APIModel):
    __schema__ = "ToolOut"
    id: str
    name: str
    kind: str
    builtin: bool
    description: str
    input_schema: Any
    output_schema: Any
    side_effect: str
    requires_approval: bool
    timeout_s: float
    rate_limit_per_min: int | None
    secret_refs: list[Any]
    latest_version: int | None
    mcp_server: str | None
    created_at: str | None
    updated_at: str | None


class ToolCreate(RequestModel):
    __schema__ = "ToolInRequest"
    name: str
    kind: str | None = None
    description: str | None = None
    body: Any = None


class ToolUpdate(RequestModel):
    __schema__ = "PatchedToolPatchRequest"
    name: str | None = None
    description: str | None = None


class ToolVersion(AgentVersion):
    __schema__ = "ToolVersionOut"


class ToolInvoke(RequestModel):
    __schema__ = "InvokeInRequest"
    input: Any
    config: dict[str, Any] | None = None
    approve: bool | None = None


class ToolInvocation(APIModel):
    __schema__ = "InvokeOut"
    tool: str
    output: Any
    latency_ms: float


# --- knowledge bases -------------------------------------------------------------------------
class KnowledgeBase(APIModel):
    __schema__ = "KnowledgeBaseOut"
    id: str
    name: str
    description: str | None = None
    embedding_model: str | None = None
    embedding_config: Any = None
    chunking: Any = None
    dimensions: int
    document_count: int
    created_at: str | None = None
    updated_at: str | None = None


class KnowledgeBaseCreate(RequestModel):
    __schema__ = "KnowledgeBaseInRequest"
    name: str
    description: str | None = None
    embedding_model: str | None = None
    embedding_config: dict[str, Any] | None = None
    chunking: dict[str, Any] | None = None


class KnowledgeBaseUpdate(RequestModel):
    __schema__ = "PatchedKnowledgeBasePatchRequest"
    name: str | None = None
    description: str | None = None
    embedding_model: str | None = None
    embedding_config: dict[str, Any] | None = None
    chunking: dict[str, Any] | None = None


class Document(APIModel):
    __schema__ = "DocumentOut"
    id: str
    knowledge_base: str
    name: str
    source: str
    status: str | None = None
    progress: float | None = None
    error: Any
    url: str | None = None
    content_type: str | None = None
    content_hash: str | None = None
    chunk_count: int | None = None
    metadata: Any = None
    created_at: str | None = None
    updated_at: str | None = None

    @property
    def is_settled(self) -> bool:
        return self.status in ("ready", "failed")


class DocumentCreate(RequestModel):
    __schema__ = "DocumentInRequest"
    name: str | None = None
    text: str | None = None
    url: str | None = None
    content_type: str | None = None
    metadata: dict[str, Any] | None = None


class QueryRequest(RequestModel):
    __schema__ = "QueryInRequest"
    query: str
    top_k: int | None = None
    filter: dict[str, Any] | None = None
    mode: str | None = None
    min_score: float | None = None
    mmr_lambda: float | None = None


class QueryHit(APIModel):
    __schema__ = "HitOut"
    chunk_id: str
    document_id: str
    document_name: str
    text: str
    score: float
    metadata: dict[str, Any]
    signals: dict[str, Any] | None = None


class QueryResult(APIModel):
    __schema__ = "QueryOut"
    data: list[QueryHit]


# --- datasets and evals ----------------------------------------------------------------------
class Dataset(APIModel):
    __schema__ = "DatasetOut"
    id: str
    name: str
    description: str | None = None
    environments: dict[str, Any]
    latest_version: int | None
    created_at: str | None = None
    updated_at: str | None = None


class DatasetSummary(APIModel):
    """A dataset as lists and creates answer it (with its item count)."""

    __schema__ = "DatasetDetailOut"
    id: str
    name: str
    description: str
    environments: dict[str, Any]
    latest_version: int | None
    items: int
    created_at: str
    updated_at: str


class DatasetItem(RequestModel):
    __schema__ = "DatasetItemInRequest"
    input: Any
    expected: Any = None
    id: str | None = None
    metadata: dict[str, Any] | None = None
    split: str | None = None
    tags: list[str] | None = None


class DatasetCreate(RequestModel):
    __schema__ = "DatasetCreateInRequest"
    name: str
    description: str | None = None
    items: list[Any] | None = None
    file: str | None = None
    format: str | None = None
    mapping: Any = None


class DatasetUpdate(RequestModel):
    __schema__ = "PatchedDatasetPatchRequest"
    name: str | None = None
    description: str | None = None


class DatasetItemsChange(RequestModel):
    __schema__ = "DatasetItemsInRequest"
    items: list[Any] | None = None
    from_runs: list[str] | None = None
    remove: list[str] | None = None
    replace: bool | None = None
    tags: list[str] | None = None
    file: str | None = None
    format: str | None = None
    mapping: Any = None


class DatasetVersion(AgentVersion):
    __schema__ = "DatasetVersionOut"


class EvalTarget(RequestModel):
    __schema__ = "EvalTargetInRequest"
    agent: str | None = None
    workflow: str | None = None
    version: int | None = None
    environment: str | None = None


class EvalCreate(RequestModel):
    __schema__ = "EvalCreateInRequest"
    dataset: str
    target: EvalTarget
    metrics: list[dict[str, Any]]
    dataset_version: int | None = None
    thresholds: list[str] | None = None
    baseline: str | None = None
    repeats: int | None = None
    concurrency: int | None = None
    fresh: bool | None = None
    tags: list[str] | None = None


class Eval(APIModel):
    __schema__ = "EvalOut"
    id: str
    status: str
    dataset: dict[str, Any]
    target: dict[str, Any]
    metrics: list[Any]
    thresholds: list[Any]
    baseline: str | None
    repeats: int
    concurrency: int
    fresh: bool
    tags: list[str]
    progress: dict[str, Any]
    summary: dict[str, Any] | None
    passed: bool | None
    comparison: dict[str, Any] | None = None
    totals: dict[str, Any] | None  # the judge models' tokens and cost
    error: dict[str, Any] | None
    created_at: str
    started_at: str | None
    finished_at: str | None

    @property
    def is_terminal(self) -> bool:
        return self.status in ("succeeded", "failed", "cancelled")


class EvalItem(APIModel):
    __schema__ = "EvalItemOut"
    item_id: str
    repeat: int
    status: str
    input: Any
    expected: Any
    output: Any
    scores: dict[str, Any]
    passed: bool | None
    error: dict[str, Any] | None
    run_id: str | None
    latency_ms: float | None
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None
    reused: bool
    tags: list[str]


# --- secrets ---------------------------------------------------------------------------------
class Secret(APIModel):
    """A secret's metadata: the value is write-only and never comes back."""

    __schema__ = "SecretOut"
    id: str
    name: str
    description: str | None = None
    allowed_hosts: list[str] | None
    created_at: str | None = None
    updated_at: str | None = None


class SecretCreate(RequestModel):
    __schema__ = "SecretInRequest"
    name: str
    value: str = Field(repr=False)
    description: str | None = None
    allowed_hosts: list[str] | None = None


class SecretUpdate(RequestModel):
    __schema__ = "PatchedSecretPatchRequest"
    value: str | None = Field(default=None, repr=False)
    description: str | None = None
    allowed_hosts: list[str] | None = None


RESPONSE_MODELS: list[type] = [cls for cls in list(globals().values())
                               if isinstance(cls, type) and issubclass(cls, APIModel) and cls.__schema__]
REQUEST_MODELS: list[type] = [cls for cls in list(globals().values())
                              if isinstance(cls, type) and issubclass(cls, RequestModel) and cls.__schema__]
