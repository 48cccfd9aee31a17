# One set of serializers for every versioned kind. `serializers_for(kind, names)` makes the
# kind's concrete classes; their class names are the OpenAPI component names, so each kind keeps
# its own (AgentOut, WorkflowVersionOut, ...). No class docstrings here on purpose: drf-spectacular
# would copy them into every kind's component description.
from __future__ import annotations

from dataclasses import dataclass

from rest_framework import serializers

from agent_platform.api.serializers import StrictSerializer
from agent_platform.definitions import selectors
from agent_platform.definitions.kinds import DefinitionKind
from agent_platform.definitions.models import ENVIRONMENTS

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$"


def name_field(**kwargs) -> serializers.RegexField:
    return serializers.RegexField(NAME_PATTERN, max_length=100,
                                  error_messages={"invalid": "Use letters, digits, '_', '-' and '.'."}, **kwargs)


class DefinitionOutBase(serializers.ModelSerializer):
    kind: DefinitionKind
    environments = serializers.SerializerMethodField()
    latest_version = serializers.SerializerMethodField()

    class Meta:
        fields = ["id", "name", "description", "environments", "latest_version", "created_at", "updated_at"]

    def get_environments(self, definition) -> dict:
        return selectors.environment_numbers(self.kind, definition)

    def get_latest_version(self, definition) -> int | None:
        return selectors.latest_number(self.kind, definition)


class DefinitionInBase(StrictSerializer):
    name = name_field()
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class DefinitionPatchBase(StrictSerializer):
    name = name_field(required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class VersionOutBase(serializers.ModelSerializer):
    body = serializers.JSONField()

    class Meta:
        fields = ["number", "content_hash", "body", "created_at"]


class PromoteInBase(StrictSerializer):
    version = serializers.IntegerField(min_value=1)
    environment = serializers.ChoiceField(choices=ENVIRONMENTS)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class PromotionOutBase(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.number")
    previous_version = serializers.IntegerField(source="previous_version.number", allow_null=True)

    class Meta:
        fields = ["environment", "version", "previous_version", "promoted_by", "promoted_at", "note"]


@dataclass(frozen=True)
class SerializerNames:
    """The component names of a kind; the defaults prefix the kind's label (WorkflowVersionOut)."""

    out: str = "{label}Out"
    create: str = "{label}In"
    patch: str = "{label}Patch"
    version_out: str = "{label}VersionOut"
    promote_in: str = "{label}PromoteIn"
    promotion_out: str = "{label}PromotionOut"


@dataclass(frozen=True)
class DefinitionSerializers:
    out: type[serializers.Serializer] | None = None
    create: type[serializers.Serializer] | None = None
    patch: type[serializers.Serializer] | None = None
    version_out: type[serializers.Serializer] | None = None
    promote_in: type[serializers.Serializer] | None = None
    promotion_out: type[serializers.Serializer] | None = None


def _subclass(name: str, base: type, module: str, model=None, **attrs) -> type:
    if model is not None:
        attrs["Meta"] = type("Meta", (base.Meta,), {"model": model})
    return type(name, (base,), {"__module__": module, "__doc__": None, **attrs})


def serializers_for(kind: DefinitionKind, names: SerializerNames, module: str,
                    parts: set[str]) -> DefinitionSerializers:
    """The kind's serializer classes among `parts`, named `names` (formatted with the kind's label)."""
    makers = {
        "out": lambda name: _subclass(name, DefinitionOutBase, module, kind.definition_model, kind=kind),
        "create": lambda name: _subclass(name, DefinitionInBase, module),
        "patch": lambda name: _subclass(name, DefinitionPatchBase, module),
        "version_out": lambda name: _subclass(name, VersionOutBase, module, kind.version_model),
        "promote_in": lambda name: _subclass(name, PromoteInBase, module),
        "promotion_out": lambda name: _subclass(name, PromotionOutBase, module, kind.promotion_model),
    }
    return DefinitionSerializers(**{part: makers[part](getattr(names, part).format(label=kind.label))
                                    for part in parts})
