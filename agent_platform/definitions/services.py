"""Writes of every versioned kind: definitions, immutable versions, promotions.

Versions are numbered per definition and never updated; the body is hashed, so saving an
identical body returns the existing version. Promotions move an environment pointer and are
recorded (who, when, from which version) and audited (django-auditlog on the concrete models).
"""
from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from agent_platform.definitions import gates
from agent_platform.definitions.errors import PromotionForbidden
from agent_platform.definitions.kinds import DefinitionKind
from agent_platform.definitions.models import ENVIRONMENTS, content_hash
from agent_platform.service_errors import InvalidField, StateConflict

#: environments only an actor with `deploy_project` may point
PROTECTED_ENVIRONMENTS = ("prod",)
PROD_NEEDS_DEPLOY = "Promoting to prod needs the admin role (deploy_project)."


def create_definition(kind: DefinitionKind, /, *, project, name: str, description: str = "", **extra):
    """A new definition with its (empty) environment pointers; a taken name is a conflict."""
    try:
        with transaction.atomic():
            definition = kind.definition_model.objects.create(project=project, name=name, description=description,
                                                              **extra)
            if kind.has_environments:
                kind.environment_model.objects.bulk_create(
                    [kind.environment_model(**{kind.parent_field: definition}, name=e) for e in ENVIRONMENTS])
    except IntegrityError:
        raise StateConflict(f"{kind.named(name)} already exists", field="name") from None
    return definition


def update_definition(kind: DefinitionKind, definition, /, **fields):
    """Change the mutable fields (name, description)."""
    for name, value in fields.items():
        setattr(definition, name, value)
    definition.updated_at = timezone.now()
    try:
        with transaction.atomic():
            definition.save(update_fields=[*fields, "updated_at"])
    except IntegrityError:
        raise StateConflict(f"{kind.named(fields.get('name'))} already exists", field="name") from None
    return definition


def delete_definition(kind: DefinitionKind, definition) -> None:
    """Delete a definition with its versions, environments and promotion history. One whose
    versions are pinned by runs is kept (runs are history): that is a conflict."""
    lookup = {kind.parent_field: definition}
    try:
        with transaction.atomic():
            if kind.promotion_model is not None:
                kind.promotion_model.objects.filter(**lookup).delete()
            if kind.environment_model is not None:
                kind.environment_model.objects.filter(**lookup).delete()
            definition.delete()
    except ProtectedError:
        message = kind.in_use_message.format(label=kind.label, name=definition.name, kind=kind.name)
        raise StateConflict(message, field=kind.in_use_field) from None


def create_version(kind: DefinitionKind, definition, body: dict, *, created_by=None, validate_refs=None):
    """Validate `body` (the kind's rules, then `validate_refs(project, body)` if given) and store it
    as the next version; an identical body returns the existing one. Returns (version, created)."""
    body = kind.body_validator()(definition, body)
    if validate_refs is not None:
        validate_refs(definition.project, body)
    return store_version(kind, definition, body, created_by=created_by)


def store_version(kind: DefinitionKind, definition, body: dict, *, created_by=None):
    """Store an already validated body as the next version (see create_version)."""
    digest = content_hash(body)
    versions = kind.version_model.objects
    lookup = {kind.parent_field: definition}
    existing = versions.filter(**lookup, content_hash=digest).first()
    if existing is not None:
        return existing, False
    for _ in range(5):  # concurrent creators race for the next number; the unique constraint decides
        try:
            with transaction.atomic():
                last = versions.filter(**lookup).order_by("-number").values_list("number", flat=True).first()
                version = versions.create(**lookup, number=(last or 0) + 1, body=body, content_hash=digest,
                                          created_by=created_by)
                type(definition).objects.filter(pk=definition.pk).update(updated_at=timezone.now())
                return version, True
        except IntegrityError:
            existing = versions.filter(**lookup, content_hash=digest).first()
            if existing is not None:
                return existing, False
    raise IntegrityError("could not allocate a version number")


def promote(kind: DefinitionKind, definition, version, environment: str, *, actor: str = "", note: str = "",
            override_reason: str = "", can_deploy: bool = True, gate=None):
    """Point `definition`'s environment at `version`, recorded with actor, time and the previous
    version. `can_deploy=False` (the caller lacks `deploy_project`) refuses prod; then every
    registered gate (see gates.py) and `gate` are asked: a refusal is `PromotionGateFailed` (409)."""
    if environment not in ENVIRONMENTS:
        raise InvalidField("environment", f"must be one of {', '.join(ENVIRONMENTS)}")
    if getattr(version, f"{kind.parent_field}_id") != definition.pk:
        raise InvalidField("version", f"belongs to another {kind.name}")
    if environment in PROTECTED_ENVIRONMENTS and not can_deploy:
        raise PromotionForbidden(PROD_NEEDS_DEPLOY)
    for check in [*gates.gates_for(kind.name), *([gate] if gate is not None else [])]:
        gates.check(check, version, environment, actor, override_reason)
    lookup = {kind.parent_field: definition}
    with transaction.atomic():
        env = kind.environment_model.objects.select_for_update().get(**lookup, name=environment)
        promotion = kind.promotion_model.objects.create(**lookup, version=version, previous_version=env.version,
                                                        environment=environment, promoted_by=actor, note=note)
        env.version, env.updated_at = version, timezone.now()
        env.save(update_fields=["version", "updated_at"])
    return promotion


def actor_label(request) -> str:
    """Who is acting, for promotion records: a user name or an API key label."""
    auth = getattr(request, "auth", None)
    if auth is not None and hasattr(auth, "prefix"):
        return f"api-key:{auth.name} ({auth.prefix}…)"
    user = getattr(request, "user", None)
    return getattr(user, "username", "") or ""


class KindServices:
    """A kind's services with the definition passed by the kind's own name, for the apps' public
    functions: `create_agent_version(agent=a, body=b)` is `for_kind(AGENTS).create_version`."""

    def __init__(self, kind: DefinitionKind) -> None:
        self.kind = kind

    def _definition(self, given: dict):
        if set(given) != {self.kind.name}:
            raise TypeError(f"pass the definition as {self.kind.name}=…, not {', '.join(given) or 'nothing'}")
        return given[self.kind.name]

    def create(self, *, project, name: str, description: str = ""):
        return create_definition(self.kind, project=project, name=name, description=description)

    def create_version(self, *, body: dict, created_by=None, validate_refs=None, **definition):
        """Validate and store a new immutable version; an identical body returns the existing one."""
        return create_version(self.kind, self._definition(definition), body, created_by=created_by,
                              validate_refs=validate_refs)

    def functions(self, *names: str) -> tuple:
        """The bound services named (`create`, `create_version`, `promote`), in that order."""
        return tuple(getattr(self, name) for name in names)

    def promote(self, *, version, environment: str, actor: str = "", note: str = "", override_reason: str = "",
                can_deploy: bool = True, gate=None, **definition):
        """Point an environment at a version (see `promote`)."""
        return promote(self.kind, self._definition(definition), version, environment, actor=actor, note=note,
                       override_reason=override_reason, can_deploy=can_deploy, gate=gate)


def for_kind(kind: DefinitionKind) -> KindServices:
    return KindServices(kind)
