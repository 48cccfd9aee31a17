"""Run traces out over OTLP/HTTP (protobuf): every span a run stores in PostgreSQL, as an OpenTelemetry
GenAI span (`runs.otel_genai`), in the trace of the request that created (or resumed) the run.

- At enqueue (`runs.queue`), the current W3C trace context (the `create_run` request's server span)
  rides in the RQ job's meta as `traceparent`/`tracestate`.
- On the worker, `execution()` wraps one job: its `invoke_agent`/`invoke_workflow` span is a child of
  that context (a new trace when there is none), and the run's top-level spans are its children.
- The run store (`runs.store.RunStore`) hands over what it has written: spans (after their
  PostgreSQL write, with the redaction the run viewer's copies got), and — only when content is
  captured — the content events of those spans and the agent loop's checkpoints (also as stored,
  redacted). The checkpoints are the conversation: a model call is sent exactly the messages its
  agent's checkpoints hold at that moment, so the conversation is copied to the call's span when its
  `model.completed` event arrives (`gen_ai.input.messages`). Each agent (the run's own, or one inside
  a workflow node: a sub-run id) has its conversation; which one a model call belongs to follows the
  agent's thread of execution in a context variable (the model call's pool thread copies it). Platform span ids are
  the OTel span ids, so the run viewer and the tracing backend name the same span alike.
- The spans are made by the SDK's tracer (a provider of this module's own: parent-based sampling,
  so a request that was not sampled exports no run spans) and go to a `BatchSpanProcessor` (bounded queue: full means dropped, never waited for; exports on
  its own thread with the exporter's timeout), so a slow or absent collector never slows or fails a
  run. Any error converting a span disables the export of that execution, logged, never raised.

Off unless `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from functools import wraps
from hashlib import sha256
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.trace.id_generator import IdGenerator, RandomIdGenerator
from opentelemetry.trace import INVALID_SPAN_ID, NonRecordingSpan, SpanContext, Status, StatusCode, TraceFlags
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from runs import otel_genai
from runs.event_log import PendingSpan

logger = logging.getLogger(__name__)
SCOPE = "agent_platform.runs"
_propagator = TraceContextTextMapPropagator()  # W3C traceparent/tracestate only (no baggage)
_SAMPLED = TraceFlags(TraceFlags.SAMPLED)


class PlatformSpanIds(IdGenerator):
    """Span ids as the platform chose them (a stored span's id, set for the next span this thread
    starts), else random: the SDK's tracer makes the spans, with the ids the run viewer shows."""

    def __init__(self) -> None:
        self._random = RandomIdGenerator()
        self._preset = threading.local()

    @contextmanager
    def next_span_id(self, span_id: int) -> Iterator[None]:
        self._preset.span_id = span_id
        try:
            yield
        finally:
            self._preset.span_id = None

    def generate_span_id(self) -> int:
        preset = getattr(self._preset, "span_id", None)
        if preset:
            self._preset.span_id = None
            return preset
        return self._random.generate_span_id()

    def generate_trace_id(self) -> int:
        return self._random.generate_trace_id()

    def is_trace_id_random(self) -> bool:
        return True


class Pipeline:
    """The process's run-span pipeline: a tracer provider of its own (resource, sampler — parent-based
    by default, `OTEL_TRACES_SAMPLER` — span limits) with a batch processor and the OTLP exporter."""

    def __init__(self, endpoint: str, *, capture_content: bool = False, service_name: str = "agent-platform") -> None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import SERVICE_NAME, OTELResourceDetector, Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        # OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES, when set, win over the default name.
        resource = Resource.create({SERVICE_NAME: service_name}).merge(OTELResourceDetector().detect())
        self.ids = PlatformSpanIds()
        # Its atexit hook flushes what is queued at shutdown (bounded by the export timeout).
        self.provider = TracerProvider(resource=resource, id_generator=self.ids)
        # Batch size, queue bound and delays: OTEL_BSP_*; timeout and headers: OTEL_EXPORTER_OTLP_*.
        self.provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(
            endpoint=endpoint.rstrip("/") + "/v1/traces")))
        self.tracer = self.provider.get_tracer(SCOPE)
        self.capture_content = capture_content

    def force_flush(self, timeout_s: float = 30.0) -> bool:
        return self.provider.force_flush(int(timeout_s * 1000))

    def shutdown(self) -> None:
        self.provider.shutdown()


_lock = threading.Lock()
_pipeline: Pipeline | None = None
_configured = False


def pipeline() -> Pipeline | None:
    """The process's pipeline, made on first use from settings; None when export is off."""
    global _pipeline, _configured
    if _configured:
        return _pipeline
    with _lock:
        if not _configured:
            from django.conf import settings

            if settings.OTEL_EXPORTER_OTLP_ENDPOINT:
                _pipeline = Pipeline(settings.OTEL_EXPORTER_OTLP_ENDPOINT,
                                     capture_content=settings.OTEL_GENAI_CAPTURE_CONTENT)
            _configured = True
    return _pipeline


def install(endpoint: str, *, capture_content: bool = False) -> Pipeline:
    """Replace the process's pipeline (tests, and processes configured other than by settings)."""
    global _pipeline, _configured
    with _lock:
        previous, _pipeline, _configured = _pipeline, Pipeline(endpoint, capture_content=capture_content), True
    if previous is not None:
        previous.shutdown()
    return _pipeline


def uninstall() -> None:
    """Shut the pipeline down (flushing it); the next `pipeline()` reads the settings again."""
    global _pipeline, _configured
    with _lock:
        previous, _pipeline, _configured = _pipeline, None, False
    if previous is not None:
        previous.shutdown()


def trace_carrier() -> dict[str, str]:
    """The current W3C trace context (`traceparent`, `tracestate`), empty outside a traced request."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier


_current: ContextVar[RunTrace | None] = ContextVar("otel_run_trace", default=None)
# The checkpoint run id (the run, or `<run>:<node path>` for an agent in a workflow node) whose
# conversation the code running here continues: set when its checkpoints are loaded or appended.
_conversation: ContextVar[str | None] = ContextVar("otel_conversation", default=None)


@contextmanager
def execution(run_id: str, carrier: Mapping[str, Any] | None) -> Iterator[None]:
    """One job's execution of a run, traced under the enqueuing request's context (`carrier`)."""
    exporting = pipeline()
    if exporting is None:
        yield
        return
    run_trace = RunTrace(exporting, run_id, carrier or {})
    token, conversation = _current.set(run_trace), _conversation.set(None)
    try:
        yield
    except BaseException as exc:
        run_trace.exception = exc
        raise
    finally:
        _current.reset(token)
        _conversation.reset(conversation)
        run_trace.finish()


def trace_for(run_id: str) -> RunTrace | None:
    """The trace a run store of `run_id` reports to: the current execution's, if it exports."""
    run_trace = _current.get()
    if run_trace is None or run_trace.run_id != run_id:
        return None
    return run_trace if run_trace.attach() else None


def _guarded(method):
    """Export problems never reach the run: logged once, then this execution exports nothing more."""
    @wraps(method)
    def guarded(self: RunTrace, *args: Any, **kwargs: Any) -> Any:
        if self.broken:
            return None
        try:
            return method(self, *args, **kwargs)
        except Exception:  # noqa: BLE001 - a tracing bug must not fail a run; logged, export stopped
            self.broken = True
            logger.warning("run %s: OTLP export stopped for this execution", self.run_id, exc_info=True)
            return None
    return guarded


class RunTrace:
    """The OTel side of one execution: its invoke span, the run's attributes, content events."""

    def __init__(self, exporting: Pipeline, run_id: str, carrier: Mapping[str, Any]) -> None:
        self.pipeline = exporting
        self.run_id = run_id
        self.started_ns = time.time_ns()
        self.parent = _propagator.extract({k: v for k, v in carrier.items() if isinstance(v, str)})
        self.invoke: trace.Span | None = None
        self.info: otel_genai.RunInfo | None = None
        self.broken = False
        self.exception: BaseException | None = None
        self.outcome: tuple[str, Mapping[str, Any]] | None = None
        self._content: dict[str, dict[str, Mapping[str, Any]]] = {}
        self._conversations: dict[str, list[dict[str, Any]]] = {}  # checkpoint run id -> input messages
        self._initial: list[dict[str, Any]] = []  # what the run's own agent started from
        self._content_lock = threading.Lock()

    @_guarded
    def attach(self) -> bool:
        """A run store starts: load the run's attributes and start the invoke span, once. False when
        nothing is exported (the request's trace was not sampled)."""
        if self.invoke is None:
            self.info = otel_genai.run_info(_run_row(self.run_id))
            shape = otel_genai.invoke_span(self.info, status="running", data={}, capture_content=False)
            self.invoke = self.pipeline.tracer.start_span(shape.name, context=self.parent, kind=shape.kind,
                                                          attributes=shape.attributes, start_time=self.started_ns)
        return self.invoke.is_recording()

    # --- from the run store (already redacted) -----------------------------------------------------
    def event(self, type: str, data: Mapping[str, Any], span_id: str | None) -> None:
        """A stored event; kept (until its span is written) only if it is content being captured.
        A model call's answer also keeps the conversation it was sent (its agent's, as of now)."""
        if self.pipeline.capture_content and span_id and type in otel_genai.CONTENT_EVENTS:
            with self._content_lock:
                content = self._content.setdefault(span_id, {})
                content[type] = data
                sent = self._conversations.get(_conversation.get() or "") if type == "model.completed" else None
                if sent:
                    content[otel_genai.MODEL_INPUT] = {"messages": list(sent)}

    @_guarded
    def checkpoints_loaded(self, checkpoint_run_id: str, deltas: list[Any]) -> None:
        """An agent (re)starts from its stored checkpoints: its conversation so far."""
        if self.pipeline.capture_content:
            messages = [m for delta in deltas for m in otel_genai.conversation_messages(delta)]
            with self._content_lock:
                self._conversations[checkpoint_run_id] = messages
                if checkpoint_run_id == self.run_id and not self._initial and deltas:
                    self._initial = otel_genai.conversation_messages(deltas[0])
            _conversation.set(checkpoint_run_id)

    @_guarded
    def checkpoint(self, checkpoint_run_id: str, delta: Any) -> None:
        """A checkpoint the agent loop appended (redacted as stored): its messages join the conversation."""
        if self.pipeline.capture_content:
            messages = otel_genai.conversation_messages(delta)
            with self._content_lock:
                self._conversations.setdefault(checkpoint_run_id, []).extend(messages)
                if checkpoint_run_id == self.run_id and not self._initial and messages and delta["kind"] == "start":
                    self._initial = messages
            _conversation.set(checkpoint_run_id)

    @_guarded
    def spans_written(self, spans: list[PendingSpan]) -> None:
        info, invoke = self.info, self.invoke
        if info is None or invoke is None:
            return
        trace_id = invoke.get_span_context().trace_id
        for span in spans:
            shape = otel_genai.platform_span(span, info, content=self._take_content(span.id))
            parent = (trace.set_span_in_context(NonRecordingSpan(SpanContext(
                trace_id, _span_id(span.parent_id), False, _SAMPLED))) if span.parent_id
                else trace.set_span_in_context(invoke))
            with self.pipeline.ids.next_span_id(_span_id(span.id)):
                exported = self.pipeline.tracer.start_span(shape.name, context=parent, kind=shape.kind,
                                                           attributes=shape.attributes,
                                                           start_time=_ns(span.started_at))
            _end(exported, shape, _ns(span.ended_at) if span.ended_at else time.time_ns())

    def transitioned(self, status: str, data: Mapping[str, Any]) -> None:
        """The run moved to `status` with this (redacted) event data."""
        self.outcome = (status, data)

    # --- the end of the execution ---------------------------------------------------------------------
    @_guarded
    def finish(self) -> None:
        if self.info is None or self.invoke is None:
            return  # the run was not ours to execute: no invoke span
        status, data = self.outcome or (("interrupted" if self.exception else "released"), {})
        shape = otel_genai.invoke_span(self.info, status=status, data=data, exception=self.exception,
                                       capture_content=self.pipeline.capture_content, input_messages=self._initial)
        self.invoke.set_attributes(shape.attributes)
        _end(self.invoke, shape, time.time_ns())

    def _take_content(self, span_id: str) -> Mapping[str, Mapping[str, Any]] | None:
        if not self.pipeline.capture_content:
            return None
        with self._content_lock:
            return self._content.pop(span_id, {})


# What every span of a run carries: one statement on the run store's connection (the ORM's join with
# the versions' bodies cost 3 ms a run; this, a fraction of one).
RUN_INFO_SQL = """
SELECT r.id, r.kind, r.project_id, r.environment, coalesce(r.agent_id, r.workflow_id) AS definition_id,
       coalesce(a.name, w.name) AS name, coalesce(av.number, wv.number) AS version,
       CASE WHEN jsonb_typeof(av.body -> 'model') = 'string' THEN av.body ->> 'model' END AS model_ref
FROM runs_run r
LEFT JOIN agents_agent a ON a.id = r.agent_id
LEFT JOIN agents_agentversion av ON av.id = r.agent_version_id
LEFT JOIN workflows_workflow w ON w.id = r.workflow_id
LEFT JOIN workflows_workflowversion wv ON wv.id = r.workflow_version_id
WHERE r.id = %s"""


def _run_row(run_id: str) -> dict[str, Any]:
    from runs.db import writer

    with writer() as cur:
        cur.execute(RUN_INFO_SQL, (run_id,))
        names = [column.name for column in cur.description]
        return dict(zip(names, cur.fetchone(), strict=True))


def _end(span: trace.Span, shape: otel_genai.SpanShape, end_ns: int) -> None:
    if shape.error_type is not None:
        span.set_attribute("error.type", shape.error_type)
        span.set_status(Status(StatusCode.ERROR, shape.error_message[:500] or None))
    span.end(end_time=end_ns)


def _span_id(platform_id: str) -> int:
    """A platform span id (16 hex digits) is the OTel span id; any other id maps by its hash."""
    try:
        value = int(platform_id, 16) if len(platform_id) == 16 else INVALID_SPAN_ID
    except ValueError:
        value = INVALID_SPAN_ID
    if value == INVALID_SPAN_ID:
        value = int.from_bytes(sha256(platform_id.encode()).digest()[:8], "big") or 1
    return value


def _ns(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000_000)
