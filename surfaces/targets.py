"""What a surface can run: an agent or workflow of the caller's project, pinned like a run request.

`agent:<name>[@<environment>|@v<N>]` / `workflow:<name>…` (the OpenAI `model`) parse into a
`TargetRef`; `resolve` finds it in the project (another project's definition is simply unknown)
and returns the pinned version's schemas. `message_input` turns a chat (last user message plus
earlier turns) into the target's input."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from agent_platform.api.errors import ApiError
from agent_platform.definitions.models import ENVIRONMENTS
from agent_platform.definitions.selectors import find_definition, latest_number, resolve_pinned_version
from agent_platform.service_errors import ServiceError
from agents.models import AGENTS
from agents.spec import DEFAULT_INPUT_SCHEMA
from agents.spec import input_schema as agent_input_schema
from workflows.models import WORKFLOWS
from workflows.spec import input_schema as workflow_input_schema

KINDS = {"agent": AGENTS, "workflow": WORKFLOWS}
_REF = re.compile(r"^(?P<kind>agent|workflow):(?P<name>[^@\s]{1,100})(?:@(?P<pin>[^@\s]+))?$")
_VERSION_PIN = re.compile(r"^v(?P<number>[1-9][0-9]{0,8})$")


class UnknownTarget(LookupError):
    """No such agent/workflow (or version/environment) in the caller's project."""


class UnusableInput(ValueError):
    """The chat cannot be turned into the target's input."""


@dataclass(frozen=True)
class TargetRef:
    kind: str  # "agent" | "workflow"
    name: str
    version: int | None = None
    environment: str | None = None

    @classmethod
    def parse(cls, text: str) -> TargetRef:
        match = _REF.match(text or "")
        if not match:
            raise UnknownTarget(f"The model {text!r} does not exist: use 'agent:<name>[@<environment>|@v<N>]' "
                                "or 'workflow:<name>[…]'.")
        pin, version, environment = match["pin"], None, None
        if pin:
            number = _VERSION_PIN.match(pin)
            if number:
                version = int(number["number"])
            elif pin in ENVIRONMENTS:
                environment = pin
            else:
                raise UnknownTarget(f"The model {text!r} does not exist: pin '@v<N>' or one of "
                                    f"{', '.join('@' + e for e in ENVIRONMENTS)}.")
        return cls(kind=match["kind"], name=match["name"], version=version, environment=environment)

    def run_fields(self) -> dict[str, Any]:
        """Keyword arguments of `runs.services.create_run` for this reference."""
        return {self.kind: self.name, "version": self.version, "environment": self.environment}


@dataclass(frozen=True)
class Target:
    ref: TargetRef
    definition: Any
    version_number: int
    input_schema: dict
    output_schema: dict | None
    description: str

    @property
    def label(self) -> str:
        return f"{self.ref.kind}:{self.definition.name}@v{self.version_number}"


def resolve(project, ref: TargetRef) -> Target:
    """The definition and the version a run of `ref` would pin (sync; raises UnknownTarget)."""
    kind = KINDS[ref.kind]
    definition = find_definition(kind, project, ref.name)
    if definition is None or definition.name != ref.name:  # by name only, never by id
        raise UnknownTarget(f"The model '{ref.kind}:{ref.name}' does not exist in this project.")
    try:
        pinned, _ = resolve_pinned_version(kind, definition, version=ref.version, environment=ref.environment)
    except (ApiError, ServiceError) as exc:
        raise UnknownTarget(f"The model '{ref.kind}:{ref.name}' has no such version: {exc.detail}") from exc
    body = pinned.body
    if ref.kind == "agent":
        schema, output = agent_input_schema(body), body.get("output_schema") or None
    else:
        schema, output = workflow_input_schema(body), body.get("output_schema") or None
    return Target(ref=ref, definition=definition, version_number=pinned.number, input_schema=schema,
                  output_schema=output, description=definition.description or "")


def runnable_targets(project) -> list[tuple[str, Any]]:
    """`[(kind, definition)]` of the project's agents and workflows that have at least one version."""
    found = []
    for name, kind in KINDS.items():
        for definition in kind.definition_model.objects.filter(project=project).order_by("name"):
            if latest_number(kind, definition) is not None:
                found.append((name, definition))
    return found


def takes_chat(schema: dict) -> bool:
    """The input has a string `message` (the Agent IO shape, or a workflow input built like it)."""
    properties = schema.get("properties") or {}
    return isinstance(properties.get("message"), dict) and properties["message"].get("type") in (None, "string")


def message_input(target: Target, message: str, history: list[dict]) -> dict:
    """The run input for a chat: `{"message", "messages"?}` when the input takes a message (history
    only where the schema has `messages`); else the last user message must be the input as JSON."""
    schema = target.input_schema
    if schema is DEFAULT_INPUT_SCHEMA or takes_chat(schema):
        data: dict[str, Any] = {"message": message}
        if history and ("messages" in (schema.get("properties") or {})):
            data["messages"] = history
        return data
    try:
        value = json.loads(message)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise UnusableInput(f"{target.ref.kind} {target.definition.name!r} takes structured input: send its "
                            "input as a JSON object in the last user message.")
    return value
