"""Structured JSON logs with a request id, redaction on every record, OpenTelemetry.

A record is redacted when it is made, with the active redactor of its context
(`runtime.redaction.active_redactor`): the run's project's redactor inside a run (the executor
sets it), the API request's project's redactor inside a project request (set lazily by
`ProjectAPIView`, built only if something is logged), else credential patterns only."""
from __future__ import annotations

import json
import logging
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from runtime.redaction import active_redactor, use_redactor

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "request_id"}


class RequestIdMiddleware:
    """Takes `X-Request-ID` (or makes one), exposes it to logs and echoes it in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        token = request_id_var.set(rid)
        # A pooled thread must not keep the last request's project. Not reset on the way out: the
        # handler logs the response ("Not Found: /path") after the middleware returns.
        use_redactor(None)
        request.request_id = rid
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = rid
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = getattr(record, "request_id", None) or request_id_var.get()
        return True


class RedactionFilter(logging.Filter):
    """Handler-level safety net; `install_redacting_record_factory` already redacts at creation."""

    def filter(self, record: logging.LogRecord) -> bool:
        _redact_record(record)
        return True


def _redact_record(record: logging.LogRecord) -> None:
    if getattr(record, "_redacted", False):
        return
    try:
        message = record.getMessage()
    except (TypeError, ValueError):
        message = str(record.msg)
    redactor = active_redactor()
    record.msg, record.args = redactor.redact(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = redactor.redact(logging.Formatter().formatException(record.exc_info))
        record.exc_info = None
    record._redacted = True


def install_redacting_record_factory() -> None:
    """Redact every log record when it is made, so every handler (pytest's too) sees clean text."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_agent_platform", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        _redact_record(record)
        return record

    factory._agent_platform = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _RESERVED and not k.startswith("_")})
        if record.exc_text:
            entry["exc"] = record.exc_text
        return active_redactor().redact(json.dumps(entry, default=str))


def setup_telemetry(endpoint: str, service_name: str = "agent-platform") -> bool:
    """OpenTelemetry: Django instrumentation exporting over OTLP/HTTP when an endpoint is set."""
    if not endpoint:
        return False
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    from agent_platform.span_redaction import RedactingSpanExporter

    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    exporter = OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces")
    provider.add_span_processor(BatchSpanProcessor(RedactingSpanExporter(exporter)))
    trace.set_tracer_provider(provider)
    DjangoInstrumentor().instrument(response_hook=redact_request_span)
    return True


def redact_request_span(span, request, response) -> None:
    """The Django instrumentation's response hook: a request span's name and string attributes
    (the URL's path and query, which may carry a secret) through the request's redactor, as its
    log records are — the span is exported as it leaves here."""
    if not span.is_recording():
        return
    redactor = active_redactor()
    for key, value in dict(span.attributes or {}).items():
        if isinstance(value, str):
            clean = redactor.text(value)
            if clean != value:
                span.set_attribute(key, clean)
    span.update_name(redactor.text(span.name))
    from agent_platform.span_redaction import span_redactors  # imported by setup_telemetry already

    span_redactors.keep(span.get_span_context().span_id, redactor)

