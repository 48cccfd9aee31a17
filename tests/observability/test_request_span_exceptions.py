"""A view that raises: Django's instrumentation ends the request span with an `exception` event
(message, stack trace) and an error status quoting the exception, after our response hook ran.
Both leave the process redacted by the request's project redactor (or the credential patterns),
through the real SDK and OTLP exporter to a real receiver on 127.0.0.1.

The sequence is the instrumentation's own (`otel_middleware.process_response`): the response
hook, then `use_span(...).__exit__(type, exc, tb)` which records the exception and ends the span.
"""
from __future__ import annotations

import secrets

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind, use_span

from agent_platform.observability import redact_request_span
from agent_platform.span_redaction import RedactingSpanExporter, span_redactors
from runtime.redaction import PATTERNS_ONLY, Redactor, redacting_with
from tests.observability.otlp_receiver import OtlpReceiver


@pytest.fixture(scope="module")
def receiver():
    with OtlpReceiver() as running:
        yield running


@pytest.fixture
def tracer(receiver):
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(RedactingSpanExporter(
        OTLPSpanExporter(endpoint=receiver.endpoint.rstrip("/") + "/v1/traces"))))
    yield provider.get_tracer("test")
    provider.shutdown()


def failed_request(tracer, message: str, *, redactor: Redactor | None) -> str:
    """A request span as the middleware drives it: hook (inside the request's redactor), then
    the activation's exit with the view's exception. Returns the span id (hex)."""
    span = tracer.start_span("GET /api/v1/things/{id}", kind=SpanKind.SERVER)
    activation = use_span(span, end_on_exit=True)
    activation.__enter__()
    try:
        raise RuntimeError(message)
    except RuntimeError as exc:
        with redacting_with(redactor):
            redact_request_span(span, None, None)
        activation.__exit__(type(exc), exc, exc.__traceback__)
    return format(span.get_span_context().span_id, "016x")


def exported_payloads(receiver, span_id: str) -> bytes:
    receiver.wait_for(lambda spans: any(s.span_id == span_id for s in spans), what="the request span")
    return b"".join(receiver.payloads)


def test_the_exception_event_and_status_of_a_request_span_are_redacted_by_its_project(tracer, receiver):
    value = f"proj-secret-{secrets.token_hex(8)}"
    span_id = failed_request(tracer, f"upstream refused key {value}", redactor=Redactor([value]))
    payload = exported_payloads(receiver, span_id)
    [span] = [s for s in receiver.spans if s.span_id == span_id]
    assert span.status == "ERROR" and "[REDACTED]" in span.status_message, span.status_message
    assert value.encode() not in payload
    assert b"exception.stacktrace" in payload and b"upstream refused key [REDACTED]" in payload
    assert span_redactors.pop(int(span_id, 16)) is PATTERNS_ONLY  # the hook's entry went with the export


def test_a_span_without_a_project_gets_the_credential_patterns(tracer, receiver):
    key = "sk-" + secrets.token_hex(24)
    span_id = failed_request(tracer, f"provider said: invalid api key {key}", redactor=None)
    payload = exported_payloads(receiver, span_id)
    assert key.encode() not in payload
    assert b"exception.message" in payload
