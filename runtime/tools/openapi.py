"""Import an OpenAPI 3.0/3.1 document (JSON or YAML) and turn chosen operations into tools.

Each operation becomes a tool config (`OpenAPIOperation.tool_config`) whose input schema joins
its path, query and header parameters (one property each) and its JSON request body (the
`body` property), with `$ref`s inside the document inlined. The tools are `HttpEndpointTool`s,
so they run through the SSRF-safe HTTP client with all its protections.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from runtime.tools.http_endpoint import HttpEndpointTool, tool_from_config
from runtime.tools.ssrf import HttpPolicy

METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
MAX_DESCRIPTION = 1024
# Inlining `$ref`s copies schemas: a document whose refs fan out (each schema referencing the next
# one twice, or YAML aliases) grows exponentially. These bound the whole import.
MAX_INLINED_NODES = 50_000
MAX_INLINE_DEPTH = 128
_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]+")


class OpenAPIError(ValueError):
    """The document is not a usable OpenAPI 3 document (raised at import time, not during runs)."""


class _Budget:
    """How many more schema nodes inlining may produce for one document."""

    def __init__(self, nodes: int = MAX_INLINED_NODES) -> None:
        self.left = nodes

    def spend(self, depth: int) -> None:
        self.left -= 1
        if self.left < 0:
            raise OpenAPIError(f"the document's schemas expand to more than {MAX_INLINED_NODES} nodes once "
                               "their $refs are inlined; split it or import fewer operations")
        if depth > MAX_INLINE_DEPTH:
            raise OpenAPIError(f"a schema nests deeper than {MAX_INLINE_DEPTH} levels once its $refs are inlined")


@dataclass(frozen=True)
class OpenAPIOperation:
    name: str  # tool name: the operationId, or `<method>_<path>` slugged
    method: str  # upper case
    path: str
    summary: str
    parameters: tuple[dict[str, Any], ...]  # resolved; `in` is path, query or header
    body_schema: dict[str, Any] | None
    body_required: bool
    operation_id: str | None = None
    body_field: str = "body"

    def input_schema(self) -> dict[str, Any]:
        """JSON Schema of the tool input: one property per parameter, plus `body`."""
        props: dict[str, Any] = {}
        required: list[str] = []
        for param in self.parameters:
            schema = dict(param.get("schema") or {"type": "string"})
            if param.get("description") and "description" not in schema:
                schema["description"] = param["description"]
            props[param["name"]] = schema
            if param.get("required") or param["in"] == "path":
                required.append(param["name"])
        if self.body_schema is not None:
            props[self.body_field] = self.body_schema
            if self.body_required:
                required.append(self.body_field)
        return {"type": "object", "properties": props, "required": required, "additionalProperties": False}

    def tool_config(self, base_url: str, *, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
        """A JSON tool config (what the Django side stores) for `tool_from_config`."""
        by_location: dict[str, list[str]] = {"query": [], "header": []}
        for param in self.parameters:
            if param["in"] in by_location:
                by_location[param["in"]].append(param["name"])
        endpoint = {
            "method": self.method,
            "url": base_url.rstrip("/") + self.path,
            "headers": dict(headers or {}),
            "query": by_location["query"],
            "header_params": {n: n for n in by_location["header"]},
            "body_field": self.body_field if self.body_schema is not None else None,
            "rest": "ignore",
        }
        return {"kind": "http_endpoint", "name": self.name, "description": self.summary or self.name,
                "input_schema": self.input_schema(), "endpoint": endpoint}


def load_document(source: str | bytes | Mapping[str, Any]) -> dict[str, Any]:
    """Parse an OpenAPI 3 document from JSON or YAML text (or accept a parsed mapping)."""
    if isinstance(source, Mapping):
        doc: Any = dict(source)
    else:
        text = source.decode() if isinstance(source, bytes) else source
        try:
            doc = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
        except (ValueError, yaml.YAMLError) as exc:
            raise OpenAPIError(f"not valid JSON or YAML: {exc}") from exc
    if not isinstance(doc, dict) or not str(doc.get("openapi", "")).startswith("3."):
        raise OpenAPIError("not an OpenAPI 3 document (missing `openapi: 3.x`)")
    if not isinstance(doc.get("paths"), dict):
        raise OpenAPIError("the document has no `paths`")
    return doc


def list_operations(doc: Mapping[str, Any]) -> list[OpenAPIOperation]:
    """Every operation of the document, in document order."""
    operations: list[OpenAPIOperation] = []
    budget = _Budget()
    for path, item in doc["paths"].items():
        item = _resolve(doc, item)
        if not isinstance(item, dict):
            raise OpenAPIError(f"path {str(path)[:100]!r} is not an object")
        shared = [_resolve(doc, p) for p in item.get("parameters", [])]
        for method in METHODS:
            if isinstance(item.get(method), dict):
                operations.append(_operation(doc, path, method, item[method], shared, budget))
    names = [op.name for op in operations]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise OpenAPIError(f"duplicate operation names: {', '.join(sorted(duplicates))}")
    return operations


def base_url_of(doc: Mapping[str, Any]) -> str | None:
    """`servers[0].url` with its variables at their defaults; None if absent or relative."""
    servers = doc.get("servers") or []
    if not servers:
        return None
    url = str(servers[0].get("url", ""))
    for name, var in (servers[0].get("variables") or {}).items():
        url = url.replace("{" + name + "}", str(var.get("default", "")))
    return url if url.startswith(("http://", "https://")) else None


def import_tools(source: str | bytes | Mapping[str, Any], *, operations: Iterable[str] | None = None,
                 base_url: str | None = None, headers: Mapping[str, str] | None = None,
                 policy: HttpPolicy | None = None) -> list[HttpEndpointTool]:
    """Build tools for the chosen operations (names or operationIds; all when None).

    `base_url` overrides `servers[0]`; `headers` (e.g. `{"Authorization": "Bearer {secret:TOKEN}"}`)
    are sent with every call."""
    doc = load_document(source)
    base = base_url or base_url_of(doc)
    if not base:
        raise OpenAPIError("no absolute server URL in the document: pass base_url")
    chosen = set(operations) if operations is not None else None
    ops = [op for op in list_operations(doc) if chosen is None or op.name in chosen or op.operation_id in chosen]
    if chosen is not None:
        missing = chosen - {op.name for op in ops} - {op.operation_id for op in ops}
        if missing:
            raise OpenAPIError(f"operations not in the document: {', '.join(sorted(missing))}")
    return [tool_from_config(op.tool_config(base, headers=headers), policy=policy) for op in ops]


def _operation(doc: Mapping[str, Any], path: str, method: str, op: dict[str, Any],
               shared: list[dict[str, Any]], budget: _Budget) -> OpenAPIOperation:
    merged = {(p["name"], p["in"]): p for p in shared}
    merged.update({(p["name"], p["in"]): p for p in (_resolve(doc, x) for x in op.get("parameters", []))})
    params = tuple(_inline_param(doc, p, budget) for p in merged.values()
                   if p.get("in") in ("path", "query", "header"))
    body_schema, body_required = _request_body(doc, op.get("requestBody"), budget)
    body_field = "body"
    while any(p["name"] == body_field for p in params):
        body_field = "_" + body_field
    op_id = op.get("operationId")
    name = _tool_name(op_id) if op_id else re.sub("_+", "_", _tool_name(f"{method}_{path}"))
    summary = " — ".join(s for s in (op.get("summary"), op.get("description")) if s)[:MAX_DESCRIPTION]
    return OpenAPIOperation(name=name, method=method.upper(), path=path, summary=summary, parameters=params,
                            body_schema=body_schema, body_required=body_required, operation_id=op_id,
                            body_field=body_field)


def _inline_param(doc: Mapping[str, Any], param: dict[str, Any], budget: _Budget) -> dict[str, Any]:
    param = dict(param)
    if "schema" in param:
        param["schema"] = _inline(doc, param["schema"], (), budget)
    elif isinstance(param.get("content"), dict) and param["content"]:
        media = next(iter(param["content"].values()))
        param["schema"] = _inline(doc, media.get("schema") or {}, (), budget)
    return param


def _request_body(doc: Mapping[str, Any], body: Any, budget: _Budget) -> tuple[dict[str, Any] | None, bool]:
    if not body:
        return None, False
    body = _resolve(doc, body)
    content = body.get("content") or {}
    media = next((content[t] for t in content if t == "application/json" or t.endswith("+json")), None)
    if media is None and content:
        media = next(iter(content.values()))
    schema = _inline(doc, (media or {}).get("schema") or {}, (), budget)
    return schema, bool(body.get("required"))


def _resolve(doc: Mapping[str, Any], node: Any) -> Any:
    """Follow a `$ref` chain to its target (document-local refs only)."""
    seen: set[str] = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if ref in seen:
            raise OpenAPIError(f"circular $ref {ref}")
        seen.add(ref)
        node = _lookup(doc, ref)
    return node


def _inline(doc: Mapping[str, Any], node: Any, stack: tuple[str, ...], budget: _Budget, depth: int = 0) -> Any:
    """A copy of a schema with document refs inlined; a recursive ref becomes `{}` (any value).
    Every node produced is charged to `budget` (exponential documents are refused)."""
    budget.spend(depth)
    if isinstance(node, dict):
        if "$ref" in node:
            ref = node["$ref"]
            if ref in stack:
                return {}
            return _inline(doc, _lookup(doc, ref), (*stack, ref), budget, depth + 1)
        return {k: _inline(doc, v, stack, budget, depth + 1) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(doc, v, stack, budget, depth + 1) for v in node]
    return node


def _lookup(doc: Mapping[str, Any], ref: str) -> Any:
    if not ref.startswith("#/"):
        raise OpenAPIError(f"only references inside the document are supported, not {ref!r}")
    node: Any = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            raise OpenAPIError(f"unresolvable $ref {ref!r}")
        node = node[part]
    return node


def _tool_name(raw: str) -> str:
    name = _NAME_CHARS.sub("_", raw).strip("_") or "operation"
    return name[:64]
