"""Reads of every versioned kind: find a definition, its versions, the version a run pins."""
from __future__ import annotations

from django.db.models import QuerySet

from agent_platform.definitions.kinds import DefinitionKind
from agent_platform.definitions.models import ENVIRONMENTS
from agent_platform.service_errors import InvalidField, ObjectNotFound


def definitions_for_project(kind: DefinitionKind, project) -> QuerySet:
    return kind.definition_model.objects.filter(project=project)


def find_definition(kind: DefinitionKind, project, ref: str, *, queryset: QuerySet | None = None):
    """A definition by id (`<prefix>_…`) or name, in this project only; None if absent."""
    query = definitions_for_project(kind, project) if queryset is None else queryset
    found = query.filter(pk=ref).first() if ref.startswith(f"{kind.id_prefix}_") else None
    return found or query.filter(name=ref).first()


def get_definition(kind: DefinitionKind, project, ref: str, *, queryset: QuerySet | None = None):
    found = find_definition(kind, project, ref, queryset=queryset)
    if found is None:
        raise ObjectNotFound(f"{kind.label} {ref!r} not found.")
    return found


def get_definition_for_run(kind: DefinitionKind, project, ref: str):
    """As get_definition, but an unknown one is a bad field of the run request (4xx naming it)."""
    found = find_definition(kind, project, ref)
    if found is None:
        raise InvalidField(kind.name, f"unknown {kind.name} {ref!r}")
    return found


def versions_of(kind: DefinitionKind, definition) -> QuerySet:
    return kind.version_model.objects.filter(**{kind.parent_field: definition})


def get_version(kind: DefinitionKind, definition, number: int):
    version = versions_of(kind, definition).filter(number=number).first()
    if version is None:
        raise ObjectNotFound(f"{kind.label} {definition.name!r} has no version {number}.")
    return version


def latest_version(kind: DefinitionKind, definition):
    return versions_of(kind, definition).order_by("-number").first()


def latest_number(kind: DefinitionKind, definition) -> int | None:
    return versions_of(kind, definition).order_by("-number").values_list("number", flat=True).first()


def environment_numbers(kind: DefinitionKind, definition) -> dict[str, int | None]:
    """`{"dev": 3, "stage": None, ...}`: which version number each environment points at."""
    rows = kind.environment_model.objects.filter(**{kind.parent_field: definition}).select_related("version")
    return {row.name: (row.version.number if row.version else None) for row in rows}


def environments_pointing_at(kind: DefinitionKind, version) -> list[str]:
    """The environments (in dev, stage, prod order) whose pointer is `version`."""
    names = kind.environment_model.objects.filter(version=version).values_list("name", flat=True)
    return sorted(names, key=ENVIRONMENTS.index)


def resolve_pinned_version(kind: DefinitionKind, definition, *, version: int | None = None,
                           environment: str | None = None, field: str = "version"):
    """The version a run pins: the given number, the environment's current one, or the latest.
    Returns (version, environment or None); a missing one is a field error of the run request."""
    name = definition.name
    if version is not None:
        found = versions_of(kind, definition).filter(number=version).first()
        if found is None:
            raise InvalidField(field, f"{kind.name} {name!r} has no version {version}")
        return found, environment
    if environment is not None:
        env = kind.environment_model.objects.select_related("version").filter(
            **{kind.parent_field: definition}, name=environment).first()
        if env is None:
            raise InvalidField("environment", f"unknown environment {environment!r}")
        if env.version is None:
            raise InvalidField("environment", f"environment {environment!r} of {kind.name} {name!r} has no version")
        return env.version, environment
    latest = latest_version(kind, definition)
    if latest is None:
        raise InvalidField(kind.name, f"{kind.name} {name!r} has no versions yet")
    return latest, None


class KindSelectors:
    """A kind's selectors bound to it, for the apps' public functions (see services.KindServices)."""

    def __init__(self, kind: DefinitionKind) -> None:
        self.kind = kind

    def functions(self, *names: str) -> tuple:
        """The bound selectors named, in that order."""
        return tuple(getattr(self, name) for name in names)

    def get(self, project, ref: str):
        return get_definition(self.kind, project, ref)

    def get_for_run(self, project, ref: str):
        return get_definition_for_run(self.kind, project, ref)

    def resolve_version(self, definition, *, version: int | None = None, environment: str | None = None,
                        field: str = "version"):
        return resolve_pinned_version(self.kind, definition, version=version, environment=environment, field=field)

    def environments(self, definition) -> dict[str, int | None]:
        return environment_numbers(self.kind, definition)

    def latest_version(self, definition):
        return latest_version(self.kind, definition)


def for_kind(kind: DefinitionKind) -> KindSelectors:
    return KindSelectors(kind)
