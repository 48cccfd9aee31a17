"""A real OTLP/HTTP trace receiver on 127.0.0.1: decodes `ExportTraceServiceRequest` (protobuf,
`opentelemetry-proto`) and lets tests wait for the spans they expect."""
from __future__ import annotations

import gzip
import threading
from dataclasses import dataclass
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span as ProtoSpan

from tests.http_server import LocalHTTPServer, QuietHandler


@dataclass(frozen=True)
class ReceivedSpan:
    name: str
    trace_id: str
    span_id: str
    parent_id: str
    kind: str  # SERVER, CLIENT, INTERNAL, ...
    attributes: dict[str, Any]
    status: str  # UNSET, OK, ERROR
    status_message: str
    resource: dict[str, Any]
    scope: str
    start_ns: int
    end_ns: int


def value_of(value: AnyValue) -> Any:
    which = value.WhichOneof("value")
    if which == "array_value":
        return tuple(value_of(v) for v in value.array_value.values)
    if which == "kvlist_value":
        return {kv.key: value_of(kv.value) for kv in value.kvlist_value.values}
    return getattr(value, which) if which else None


def _attributes(pairs) -> dict[str, Any]:
    return {kv.key: value_of(kv.value) for kv in pairs}


class OtlpReceiver(LocalHTTPServer):
    """`with OtlpReceiver() as receiver:` — `receiver.endpoint` is the OTLP base URL. `payloads`
    holds every request body as received (decompressed), for tests that search the raw bytes."""

    def __init__(self) -> None:
        self.spans: list[ReceivedSpan] = []
        self.payloads: list[bytes] = []
        self.requests = 0
        self._changed = threading.Condition()
        outer = self

        class Handler(QuietHandler):
            def do_POST(self):
                body = self.body()
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                if self.path != "/v1/traces" or self.headers.get("Content-Type") != "application/x-protobuf":
                    self.reply(404)
                    return
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                outer._receive(request, body)
                self.reply(200, ExportTraceServiceResponse().SerializeToString(), "application/x-protobuf")

        super().__init__(Handler)
        self.endpoint = self.base_url

    def _receive(self, request: ExportTraceServiceRequest, body: bytes) -> None:
        received = []
        for resource_spans in request.resource_spans:
            resource = _attributes(resource_spans.resource.attributes)
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    received.append(ReceivedSpan(
                        name=span.name, trace_id=span.trace_id.hex(), span_id=span.span_id.hex(),
                        parent_id=span.parent_span_id.hex(), kind=ProtoSpan.SpanKind.Name(span.kind).removeprefix(
                            "SPAN_KIND_"), attributes=_attributes(span.attributes),
                        status=("UNSET", "OK", "ERROR")[span.status.code], status_message=span.status.message,
                        resource=resource, scope=scope_spans.scope.name, start_ns=span.start_time_unix_nano,
                        end_ns=span.end_time_unix_nano))
        with self._changed:
            self.requests += 1
            self.payloads.append(body)
            self.spans.extend(received)
            self._changed.notify_all()

    def wait_for(self, predicate, *, timeout_s: float = 30.0, what: str = "spans") -> list[ReceivedSpan]:
        """Block until `predicate(spans)` is truthy (spans received so far); returns the spans."""
        with self._changed:
            if not self._changed.wait_for(lambda: predicate(list(self.spans)), timeout=timeout_s):
                names = sorted({s.name for s in self.spans})
                raise TimeoutError(f"timed out waiting for {what}; received {len(self.spans)} spans: {names}")
            return list(self.spans)

    def of_trace(self, trace_id: str) -> list[ReceivedSpan]:
        with self._changed:
            return [s for s in self.spans if s.trace_id == trace_id]


def by_name(spans: list[ReceivedSpan], name: str) -> list[ReceivedSpan]:
    return [s for s in spans if s.name == name]
