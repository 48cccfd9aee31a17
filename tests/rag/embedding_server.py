"""A real OpenAI-compatible `/v1/embeddings` server on 127.0.0.1, answering with the hashing
test embedder's vectors: lets worker and server subprocesses embed without loading a model."""
from __future__ import annotations

import json

from tests.http_server import LocalHTTPServer, QuietHandler
from tests.rag.factories import Hashing384


class EmbeddingServer(LocalHTTPServer):
    def __init__(self) -> None:
        self.requests = 0
        embedder = Hashing384()
        outer = self

        class Handler(QuietHandler):
            def do_POST(self):
                body = json.loads(self.body())
                texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
                outer.requests += 1
                data = [{"object": "embedding", "index": i, "embedding": vector}
                        for i, vector in enumerate(embedder.embed_documents(texts))]
                payload = json.dumps({"object": "list", "data": data, "model": body["model"],
                                      "usage": {"prompt_tokens": 1, "total_tokens": 1}}).encode()
                self.reply(200, payload, "application/json")

        super().__init__(Handler)
        self.base_url = self.url("/v1")
