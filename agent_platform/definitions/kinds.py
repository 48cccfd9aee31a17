"""What a versioned kind declares: its models, names and body rules. Everything else (services,
selectors, API, admin) is the layer's, configured by this one object.

    AGENTS = DefinitionKind(
        name="agent", label="Agent", id_prefix="agt", url_prefix="agents",
        definition_model=Agent, version_model=AgentVersion,
        environment_model=AgentEnvironment, promotion_model=AgentPromotion,
        validate_body="agents.services.validate_version_body",
        validate_refs="agents.references.validate_references")

Hooks may be callables or dotted paths (imported on first use, so models.py can declare the kind
without importing the modules that import the models).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.module_loading import import_string

from agent_platform.definitions.models import definition_field

BodyValidator = Callable[[Any, dict], dict]  # (definition, body) -> the normalised body, or raise ApiError
RefsValidator = Callable[[Any, dict], None]  # (project, body) -> None, or raise ApiError

_registry: dict[str, DefinitionKind] = {}


def _hook(value: Callable | str | None) -> Callable | None:
    return import_string(value) if isinstance(value, str) else value


def _keep_body(definition, body: dict) -> dict:
    return body


class body_rule:  # noqa: N801 - used like a function in declarations
    """A `validate_body` hook from a rule of the body alone, `rule(body) -> body` (a callable or a
    dotted path, imported on first use): `validate_body=body_rule("agents.spec.validate_agent_body")`."""

    def __init__(self, rule: Callable[[dict], dict] | str) -> None:
        self.rule = rule

    def __call__(self, definition, body: dict) -> dict:
        return _hook(self.rule)(body)


@dataclass(frozen=True, eq=False)
class DefinitionKind:
    name: str  # "agent": the versions' foreign key, `<name>_id` in URLs, `<name>-list` URL names
    label: str  # "Agent": in messages ("Agent 'x' not found.")
    id_prefix: str  # "agt": ids are `agt_…`; a ref with this prefix is looked up by id first
    url_prefix: str  # "agents": /api/v1/agents/…
    definition_model: type[models.Model]
    version_model: type[models.Model]
    environment_model: type[models.Model] | None = None  # None: no environments (custom tools)
    promotion_model: type[models.Model] | None = None
    validate_body: BodyValidator | str = _keep_body
    validate_refs: RefsValidator | str | None = None  # what the API and console check references with
    article: str = "a"  # "an" for "an agent named …"
    in_use_message: str = "{label} {name!r} has versions that runs pin; they are kept for their history"
    in_use_field: str = "id"
    extra: dict[str, Any] = field(default_factory=dict)  # anything a kind's own code wants to carry

    def __post_init__(self) -> None:
        _registry[self.name] = self

    @property
    def parent_field(self) -> str:
        return definition_field(self.version_model)

    @property
    def has_environments(self) -> bool:
        return self.environment_model is not None

    def body_validator(self) -> BodyValidator:
        return _hook(self.validate_body)  # type: ignore[return-value]

    def refs_validator(self) -> RefsValidator | None:
        return _hook(self.validate_refs)

    def named(self, name: str) -> str:
        """`an agent named 'x'`."""
        return f"{self.article} {self.name} named {name!r}"

    def __repr__(self) -> str:
        return f"DefinitionKind({self.name!r})"


def kind_named(name: str) -> DefinitionKind:
    return _registry[name]


def kind_of(model_or_instance) -> DefinitionKind:
    """The kind whose definition or version model this is."""
    model = model_or_instance if isinstance(model_or_instance, type) else type(model_or_instance)
    for kind in _registry.values():
        if model in (kind.definition_model, kind.version_model, kind.environment_model, kind.promotion_model):
            return kind
    raise LookupError(f"{model.__name__} belongs to no definition kind")
