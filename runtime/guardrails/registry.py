"""Build guardrails from config dicts such as `{"type": "pii", "stage": "output"}`.

Built-in types: `pii`, `blocklist`, `max_length`, `json_schema`. `stage` is `input`,
`output` or `both` (each type has a sensible default). Other types can be registered.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from runtime.errors import AgentSpecInvalid
from runtime.guardrails.base import Guardrail
from runtime.guardrails.blocklist import Blocklist
from runtime.guardrails.json_schema import JsonSchemaCheck
from runtime.guardrails.max_length import MaxLength
from runtime.guardrails.pii import PiiRedactor

GuardrailFactory = Callable[[dict[str, Any]], Guardrail]

GUARDRAIL_TYPES: dict[str, GuardrailFactory] = {
    "pii": PiiRedactor.from_config,
    "blocklist": Blocklist.from_config,
    "max_length": MaxLength.from_config,
    "json_schema": JsonSchemaCheck.from_config,
}


def register_guardrail(type_name: str, factory: GuardrailFactory) -> None:
    """Make a custom guardrail type available to agent specs."""
    GUARDRAIL_TYPES[type_name] = factory


def build_guardrail(config: dict[str, Any]) -> Guardrail:
    """One guardrail from its config dict; AgentSpecInvalid for unknown types or bad settings."""
    factory = GUARDRAIL_TYPES.get(str(config.get("type")))
    if factory is None:
        raise AgentSpecInvalid(f"unknown guardrail type {config.get('type')!r}",
                               known=sorted(GUARDRAIL_TYPES))
    try:
        return factory(config)
    except (KeyError, ValueError, TypeError) as exc:
        raise AgentSpecInvalid(f"invalid {config.get('type')} guardrail: {exc}") from exc


def build_guardrails(configs: Iterable[dict[str, Any]]) -> list[Guardrail]:
    """The guardrails of an agent spec, in order."""
    return [build_guardrail(c) for c in configs]
