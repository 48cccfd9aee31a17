"""Simple implementations of the graph engine's service protocols, for tests only.

The real ones (agent loop, tool executor, model router, RAG, sandbox) are wired by the Django side.
These are small but real: HTTP goes over the wire to a local server, code runs in a subprocess,
checkpoints can live in a JSONL file shared between processes.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from typing import Any

import httpx

from runtime.errors import SandboxLimitExceeded, ToolError, ToolNotFound
from runtime.graph.services import ServiceContext


class ScriptedAgents:
    """AgentRunner: each agent ref maps to a function `(input, handoffs) -> result`; calls are recorded."""

    def __init__(self, scripts: dict[str, Callable[[dict, list], dict]]) -> None:
        self.scripts = scripts
        self.calls: list[tuple[str, dict, ServiceContext]] = []

    def run_agent(self, agent_ref: str, input: dict, *, handoffs: list[dict], ctx: ServiceContext) -> dict:
        self.calls.append((agent_ref, input, ctx))
        return self.scripts[agent_ref](input, handoffs)


class ScriptedModel:
    """PromptModel: answers from a list (or a function of the messages), streaming in 2 chunks."""

    def __init__(self, replies: list[Any] | Callable[[list[dict]], Any], cost_usd: float = 0.001) -> None:
        self.replies = replies
        self.cost_usd = cost_usd
        self.calls: list[dict[str, Any]] = []

    def complete(self, model_ref: str, messages: list[dict], *, output_schema: dict | None,
                 on_delta: Callable[[str], None] | None, ctx: ServiceContext, options: dict | None = None) -> dict:
        self.calls.append({"model": model_ref, "messages": messages, "output_schema": output_schema,
                           "options": options, "ctx": ctx})
        reply = self.replies(messages) if callable(self.replies) else self.replies[len(self.calls) - 1]
        usage = {"input_tokens": 10, "output_tokens": 5, "cost_usd": self.cost_usd}
        if output_schema is not None:
            return {"output": reply, "usage": usage}
        if on_delta is not None:
            half = len(reply) // 2
            on_delta(reply[:half])
            on_delta(reply[half:])
        return {"text": reply, "usage": usage}


class LedgerToolInvoker:
    """ToolInvoker: `http` over the wire with httpx, other tools are Python functions. Like the real
    executor, a call whose key already has a result in the ledger returns that result unexecuted."""

    def __init__(self, tools: dict[str, Callable[[dict], Any]] | None = None) -> None:
        self.tools = tools or {}
        self.calls: list[tuple[str, dict, str]] = []

    def invoke(self, tool_name: str, input: dict, *, config: dict, key: str, ctx: ServiceContext) -> Any:
        if ctx.ledger is not None:
            done = ctx.ledger.get_result(key)
            if done is not None:
                return done["output"]
            ctx.ledger.record_intent(key)
        self.calls.append((tool_name, input, key))
        ctx.emit("tool.started", {"tool": tool_name})
        if tool_name == "http":
            output = _http(input, config)
        elif tool_name in self.tools:
            output = self.tools[tool_name](input)
        else:
            raise ToolNotFound(f"no tool {tool_name!r}")
        if ctx.ledger is not None:
            ctx.ledger.record_result(key, {"output": output})
        ctx.emit("tool.completed", {"tool": tool_name})
        return output


def _http(request: dict, config: dict) -> dict:
    headers = {**config.get("headers", {}), **request.get("headers", {})}
    try:
        response = httpx.request(request.get("method", "GET"), request["url"], headers=headers,
                                 params=request.get("params"), json=request.get("json"),
                                 content=request.get("body"), timeout=config.get("timeout_s", 10))
    except httpx.TimeoutException as exc:
        raise ToolError(f"http timeout: {exc}") from exc
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    return {"status": response.status_code, "headers": dict(response.headers), "body": body}


class KeywordRetriever:
    """Retriever over a few in-memory documents, scored by shared words."""

    def __init__(self, documents: dict[str, str]) -> None:
        self.documents = documents
        self.queries: list[str] = []

    def search(self, knowledge_base: str, query: str, *, top_k: int, filter: dict | None, mode: str | None,
               ctx: ServiceContext) -> list[dict]:
        self.queries.append(query)
        words = set(query.lower().split())
        scored = []
        for i, (name, text) in enumerate(self.documents.items()):
            score = len(words & set(text.lower().split())) / max(len(words), 1)
            if score > 0:
                scored.append({"chunk_id": f"c{i}", "document_id": f"d{i}", "document_name": name, "text": text,
                               "score": round(score, 4), "metadata": {}})
        scored.sort(key=lambda hit: -hit["score"])
        return scored[:top_k]


class SubprocessCodeRunner:
    """CodeRunner: the code runs in a fresh Python subprocess (no sandboxing: that is the real one's job)."""

    def run(self, code: str, input: Any, limits: dict, *, ctx: Any = None) -> Any:
        source = "import json, sys\ndef main(input):\n" + textwrap.indent(code, "    ") + \
                 "\nprint(json.dumps(main(json.loads(sys.stdin.read()))))\n"
        try:
            done = subprocess.run([sys.executable, "-c", source], input=json.dumps(input), capture_output=True,
                                  check=False, text=True, timeout=limits.get("timeout_s", 10))
        except subprocess.TimeoutExpired as exc:
            raise SandboxLimitExceeded("code ran out of time") from exc
        if done.returncode != 0:
            raise ToolError(f"code failed: {done.stderr.strip().splitlines()[-1] if done.stderr else done.returncode}")
        return json.loads(done.stdout)


class JsonlCheckpointStore:
    """CheckpointStore in a JSONL file, fsynced per delta: survives the death of the process that wrote it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()

    def load_checkpoints(self, run_id: str) -> list[dict]:
        if not os.path.exists(self.path):
            return []
        with open(self.path, encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
        return [row["delta"] for row in rows if row["run_id"] == run_id]

    def append_checkpoint(self, run_id: str, key: str, delta: dict) -> None:
        line = json.dumps({"run_id": run_id, "key": key, "delta": delta}) + "\n"
        with self._lock, open(self.path, "a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
