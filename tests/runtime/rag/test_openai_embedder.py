"""OpenAI-compatible embeddings against a real HTTP server on 127.0.0.1."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from runtime.errors import (
    EmbeddingDimensionMismatch,
    EmbeddingProviderError,
    EmbeddingTransientError,
)
from runtime.rag.embeddings import embedder_from_ref


class EmbeddingServer(ThreadingHTTPServer):
    """Answers `POST /v1/embeddings` with vectors `[len(text), i, 0, ...]`, in reverse order."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), EmbeddingHandler)
        self.requests: list[dict] = []
        self.dimensions = 8
        self.status = 200

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class EmbeddingHandler(BaseHTTPRequestHandler):
    server: EmbeddingServer

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
        if self.server.status != 200:
            return self._send(self.server.status, {"error": {"message": "nope", "type": "server_error"}})
        inputs = body["input"]
        data = [{"object": "embedding", "index": i,
                 "embedding": [float(len(text)), float(i)] + [0.0] * (self.server.dimensions - 2)}
                for i, text in enumerate(inputs)]
        self._send(200, {"object": "list", "model": body["model"], "data": list(reversed(data)),
                         "usage": {"prompt_tokens": 1, "total_tokens": 1}})

    def _send(self, status: int, payload: dict) -> None:
        raw = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


@pytest.fixture
def server():
    srv = EmbeddingServer()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(timeout=5)


def _embedder(server: EmbeddingServer, **config):
    return embedder_from_ref("compat:local/test-embed", {"base_url": server.base_url, "dimensions": 8,
                                                        "api_key": "sk-test", "max_retries": 0, **config})


def test_vectors_come_back_in_input_order_across_batches(server):
    embedder = _embedder(server, batch_size=2)
    texts = ["a", "bb", "ccc", "dddd", "eeeee"]
    vectors = embedder.embed_documents(texts)
    assert [v[0] for v in vectors] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert [len(r["input"]) for r in server.requests] == [2, 2, 1]
    assert all(r["model"] == "test-embed" and r["path"] == "/v1/embeddings" for r in server.requests)
    assert server.requests[0]["auth"] == "Bearer sk-test"
    assert server.requests[0]["encoding_format"] == "float"
    assert "dimensions" not in server.requests[0]  # compat servers are not sent `dimensions`


def test_query_embedding_has_the_declared_dimensions(server):
    embedder = _embedder(server)
    assert embedder.dimensions == 8
    assert embedder.name == "compat:local/test-embed"
    assert embedder.embed_query("hello") == [5.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]


def test_a_vector_of_the_wrong_size_is_a_dimension_mismatch(server):
    server.dimensions = 6
    with pytest.raises(EmbeddingDimensionMismatch) as info:
        _embedder(server).embed_documents(["x"])
    assert info.value.details == {"index": 0, "got": 6, "expected": 8}


def test_server_errors_are_transient_and_client_errors_are_not(server):
    server.status = 503
    with pytest.raises(EmbeddingTransientError) as transient:
        _embedder(server).embed_query("x")
    assert transient.value.retryable
    server.status = 400
    with pytest.raises(EmbeddingProviderError) as rejected:
        _embedder(server).embed_query("x")
    assert rejected.value.details["status"] == 400


def test_an_unreachable_server_is_transient():
    embedder = embedder_from_ref("compat:down/m", {"base_url": "http://127.0.0.1:9/v1", "dimensions": 4,
                                                   "max_retries": 0, "timeout_s": 2})
    with pytest.raises(EmbeddingTransientError):
        embedder.embed_query("x")


def test_openai_v3_models_are_sent_their_dimensions(server):
    embedder = embedder_from_ref("openai/text-embedding-3-small", {"api_key": "sk", "dimensions": 8,
                                                                   "max_retries": 0})
    embedder._client = embedder._client.with_options(base_url=server.base_url)
    embedder.embed_query("hi")
    assert server.requests[0]["dimensions"] == 8
