"""Redaction of what Django's OpenTelemetry instrumentation adds to a request span after our
response hook (`agent_platform.observability.redact_request_span`) has run: when a view raises,
the span ends with an `exception` event (message and stack trace) and an error status quoting
the exception. The exporter wrapper redacts every span's events and status description before
export, with the request's project redactor (kept by the hook per span id) or else the
credential patterns. Imported only when telemetry is configured (the SDK costs ~0.3 s to import).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter
from opentelemetry.trace import Status

from runtime.redaction import PATTERNS_ONLY, Redactor


class _SpanRedactors:
    """The request's redactor per request span, from the response hook until the span is
    exported (bounded: a span dropped by a full export queue must not pin its redactor)."""

    LIMIT = 4096

    def __init__(self) -> None:
        self._by_span: OrderedDict[int, Redactor] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, span_id: int, redactor: Redactor) -> None:
        if redactor is PATTERNS_ONLY:
            return
        with self._lock:
            self._by_span[span_id] = redactor
            while len(self._by_span) > self.LIMIT:
                self._by_span.popitem(last=False)

    def pop(self, span_id: int) -> Redactor:
        with self._lock:
            return self._by_span.pop(span_id, PATTERNS_ONLY)


span_redactors = _SpanRedactors()


def _redacted_span(span, redactor: Redactor):
    """A copy of a finished span whose events' string attributes and status description went
    through `redactor`: the exception event and error status that Django's instrumentation
    records when the request span ends (after the response hook) quote the exception's message
    and stack trace, which may hold a secret."""
    if not span.events and not span.status.description:
        return span
    events = [Event(event.name, {key: redactor.text(value) if isinstance(value, str) else value
                                 for key, value in (event.attributes or {}).items()}, event.timestamp)
              for event in span.events]
    status = span.status
    if status.description:
        status = Status(status.status_code, redactor.text(status.description))
    return ReadableSpan(name=span.name, context=span.context, parent=span.parent, resource=span.resource,
                        attributes=span.attributes, events=events, links=span.links, kind=span.kind,
                        status=status, start_time=span.start_time, end_time=span.end_time,
                        instrumentation_scope=span.instrumentation_scope)


class RedactingSpanExporter(SpanExporter):
    """Wraps the OTLP exporter: every span's events and status description are redacted before
    they leave the process — with the request's project redactor for a request span, else the
    credential patterns."""

    def __init__(self, exporter) -> None:
        self._exporter = exporter

    def export(self, spans: Sequence):
        return self._exporter.export([_redacted_span(span, span_redactors.pop(span.context.span_id))
                                      for span in spans])

    def shutdown(self) -> None:
        self._exporter.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._exporter.force_flush(timeout_millis)
