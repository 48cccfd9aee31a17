"""The shared base of every node type: typed config, declared IO schemas, ports, and `execute`.

A node type is a class with a `type` name, a JSON Schema of its `config` (used by validation and
the admin's JSON editor), a typed config parsed once at compile time, and `execute(inputs, ctx)`
returning the node's output (or a `NodeResult` when it picks a port or reports usage).
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar

from runtime.errors import ExpressionInvalid, GraphInvalid, NodeInputInvalid, NodeServiceMissing
from runtime.graph.expressions import Compiled, compile_condition, compile_template, compile_value
from runtime.jsonschema_validation import error_messages, validator_for

if TYPE_CHECKING:
    from runtime.graph.context import NodeContext

DEFAULT_PORT = "default"
ERROR_PORT = "on_error"


@dataclass
class NodeResult:
    """What `execute` returns when the plain output is not enough."""

    output: Any
    port: str = DEFAULT_PORT
    usage: dict[str, Any] | None = None  # {input_tokens, output_tokens, cost_usd}
    extra: dict[str, Any] | None = None  # more fields for the node's state record (e.g. `handoff`)


class ConfigInvalid(GraphInvalid):
    """A node's config cannot be parsed into its typed form."""


class NodeType:
    """Base class of node types; subclasses set `type`, `config_schema`, `Config` and `execute`."""

    type: ClassVar[str] = ""
    config_schema: ClassVar[dict[str, Any]] = {"type": "object"}
    Config: ClassVar[Any] = None  # a dataclass type; None keeps the raw dict
    does_io: ClassVar[bool] = False  # waits on services: run in the pool, flush events after start
    side_effects: ClassVar[bool] = False  # a timed-out attempt may have acted: never retried on timeout
    has_body: ClassVar[bool] = False
    config_roots: ClassVar[frozenset[str]] = frozenset()  # extra path roots its config expressions may use

    def __init__(self, node_id: str, config: dict[str, Any]) -> None:
        self.node_id = node_id
        self.expression_fields: list[tuple[str, Compiled]] = []
        self.config: Any = self.parse_config(config or {})
        self._input_validator = None
        schema = self.runtime_input_schema()
        if schema is not None:
            self._input_validator = validator_for(schema)

    # --- declaration --------------------------------------------------------------------
    def parse_config(self, config: dict[str, Any]) -> Any:
        """Turn the raw config into the typed `Config` dataclass (unknown keys are an error)."""
        if self.Config is None:
            return dict(config)
        known = {f.name for f in fields(self.Config)}
        unknown = sorted(set(config) - known)
        if unknown:
            raise ConfigInvalid([{"node_id": self.node_id, "field": f"config.{unknown[0]}",
                                  "message": "unknown config key"}])
        try:
            return self.Config(**config)
        except TypeError as exc:
            raise ConfigInvalid([{"node_id": self.node_id, "field": "config", "message": str(exc)}]) from exc

    def input_schema(self) -> dict[str, Any] | None:
        """Declared schema of the node's resolved inputs (None = anything)."""
        return None

    def runtime_input_schema(self) -> dict[str, Any] | None:
        """The schema inputs are checked against at run time (defaults to none: pure nodes stay fast)."""
        return None

    def output_schema(self) -> dict[str, Any] | None:
        """Declared schema of the node's output (None = unknown)."""
        return None

    def ports(self) -> frozenset[str]:
        """Output ports an outgoing edge may name, besides `on_error`."""
        return frozenset({DEFAULT_PORT})

    def on_linked(self, source_ids: tuple[str, ...]) -> None:
        """Called at compile time with the sources of the node's incoming edges, in edge order."""

    def bodies(self) -> dict[str, dict[str, Any]]:
        """Nested graphs (Loop/Map `body`) by config field."""
        return {}

    # --- helpers for subclasses ---------------------------------------------------------
    def compile_field(self, field: str, raw: Any, kind: str = "value") -> Compiled:
        """Compile one config expression, remembering it (and its field) for validation."""
        compile_fn = {"value": compile_value, "template": compile_template, "condition": compile_condition}[kind]
        try:
            compiled = compile_fn(raw)
        except ExpressionInvalid as exc:
            raise ExpressionInvalid(exc.message, field=field) from exc
        self.expression_fields.append((field, compiled))
        return compiled

    def check_inputs(self, inputs: dict[str, Any]) -> None:
        """Validate inputs against `runtime_input_schema` (compiled once) when the type declares one."""
        if self._input_validator is not None:
            errors = error_messages(self._input_validator, inputs, limit=5)
            if errors:
                raise NodeInputInvalid(f"node {self.node_id}: invalid input: {'; '.join(errors)}", errors=errors)

    @staticmethod
    def require(service: Any, name: str, node_type: str) -> Any:
        """Return a service, or fail clearly when the run was started without it."""
        if service is None:
            raise NodeServiceMissing(f"{node_type} nodes need the `{name}` service, which this run lacks")
        return service

    # --- execution ----------------------------------------------------------------------
    def execute(self, inputs: dict[str, Any], ctx: NodeContext) -> Any:
        """Run the node; return its output or a `NodeResult`."""
        raise NotImplementedError


def object_schema(properties: dict[str, Any], required: list[str] | None = None,
                  additional: bool = True) -> dict[str, Any]:
    """Shorthand for an object JSON Schema."""
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    if not additional:
        schema["additionalProperties"] = False
    return schema


SCHEMA_PROPERTY = {"type": "object"}  # a JSON Schema given inside a config
POLICY_KEYS = ("retry", "timeout_s", "on_error")
