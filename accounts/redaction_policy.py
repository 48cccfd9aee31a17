"""A project's redaction policy (in `Project.settings["redaction"]`) and its compiled redactor.

`redactor_for(project)` is THE redactor of a project: every write path (run events,
checkpoints, spans, tool results, run input/output, webhook bodies, dataset items from runs,
eval reports, OTLP export, log records of the project's code) calls it and uses `.data()` /
`.text()` on what it writes. It is compiled once per project and process and cached; the cache
entry is keyed on the policy and the project's secret ciphertexts (a new nonce on every value
change), so a secret set, changed or deleted, or a changed policy, is picked up on the next
lookup in every process without any messaging. The redactor holds the plaintext of the
project's secrets (decrypted here once per change, never handed to tools or providers, which
still decrypt only the secrets they reference: `accounts.secret_vault`).

Policy document (every key optional):
    {"mask_secrets": true, "pii": ["card", "iban", "ssn"],
     "mask_fields": ["input.password"], "drop_fields": ["metadata.raw"]}
"""
from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from accounts import crypto
from accounts.models import Project, Secret
from agent_platform.service_errors import InvalidField
from runtime.redaction import PII_DETECTORS, RedactionPolicy, Redactor

SETTINGS_KEY = "redaction"
FIELD = f"settings.{SETTINGS_KEY}"
_PATH = re.compile(r"^(?:\*|[^.\s*]{1,100})(?:\.(?:\*|[^.\s*]{1,100})){0,15}$")
MAX_PATHS = 100
_CACHE_SIZE = 512

_cache: OrderedDict[str, tuple[tuple[Any, ...], Redactor]] = OrderedDict()
_lock = threading.Lock()


def validate_policy(raw: Any) -> dict[str, Any]:
    """The normalised policy document, or an `InvalidField` naming the bad key."""
    if not isinstance(raw, dict):
        raise InvalidField(FIELD, "must be an object {mask_secrets?, pii?, mask_fields?, drop_fields?}")
    unknown = sorted(set(raw) - {"mask_secrets", "pii", "mask_fields", "drop_fields"})
    if unknown:
        raise InvalidField(f"{FIELD}.{unknown[0]}", "unknown key (known: mask_secrets, pii, mask_fields, drop_fields)")
    out: dict[str, Any] = {}
    if "mask_secrets" in raw:
        if not isinstance(raw["mask_secrets"], bool):
            raise InvalidField(f"{FIELD}.mask_secrets", "must be true or false")
        out["mask_secrets"] = raw["mask_secrets"]
    if "pii" in raw:
        pii = raw["pii"]
        if not isinstance(pii, list) or not all(isinstance(p, str) and p in PII_DETECTORS for p in pii):
            raise InvalidField(f"{FIELD}.pii", f"must be a list of: {', '.join(PII_DETECTORS)}")
        out["pii"] = list(dict.fromkeys(pii))
    for key in ("mask_fields", "drop_fields"):
        if key in raw:
            paths = raw[key]
            if not isinstance(paths, list) or len(paths) > MAX_PATHS or \
                    not all(isinstance(p, str) and _PATH.match(p) for p in paths):
                raise InvalidField(f"{FIELD}.{key}", f"must be a list of at most {MAX_PATHS} dotted key paths "
                                                     "(e.g. input.password; * matches any one key)")
            out[key] = list(dict.fromkeys(paths))
    return out


def policy_of(project: Project) -> RedactionPolicy:
    """The project's policy; defaults for what it does not say (see `runtime.redaction`)."""
    doc = (project.settings or {}).get(SETTINGS_KEY) or {}
    default = RedactionPolicy()
    try:
        doc = validate_policy(doc)
    except InvalidField:  # stored before validation existed: the defaults, never nothing
        doc = {}
    return RedactionPolicy(mask_secrets=doc.get("mask_secrets", default.mask_secrets),
                           pii=tuple(doc.get("pii", default.pii)),
                           mask_fields=tuple(doc.get("mask_fields", ())), drop_fields=tuple(doc.get("drop_fields", ())))


def sealed_secrets(project_id: str) -> list[tuple[str, str]]:
    """`(name, ciphertext)` of every secret of the project."""
    return list(Secret.objects.filter(project_id=project_id).values_list("name", "ciphertext"))


def sealed_secrets_sql(project_column: str, *, scopes: bool = False) -> str:
    """A scalar subquery for a caller that reads a project's secrets inside a statement of its
    own: a JSON array of `[name, ciphertext]` (with `scopes`, `[name, ciphertext, allowed_hosts]`)
    of every secret of the project in `project_column`; `decode_sealed` turns it into rows."""
    hosts = ', s."allowed_hosts"' if scopes else ""
    return (f'(SELECT coalesce(jsonb_agg(jsonb_build_array(s."name", s."ciphertext"{hosts})), \'[]\') '
            f'FROM "{Secret._meta.db_table}" s WHERE s."project_id" = {project_column})')


def decode_sealed(value: Any) -> list[tuple]:
    """The rows of a `sealed_secrets_sql` column (what `sealed_secrets` returns, as tuples)."""
    return [tuple(item) for item in (json.loads(value) if isinstance(value, str) else value)]


def redactor_for(project: Project, sealed: Iterable[tuple[str, str]] | None = None) -> Redactor:
    """The project's redactor. `sealed`: the `(name, ciphertext)` rows of its secrets when the
    caller already has them (the run executor does), else they are read (one query)."""
    rows = sorted(sealed_secrets(str(project.pk)) if sealed is None else sealed)
    policy = policy_of(project)
    key = (policy, tuple(token for _, token in rows))
    project_id = str(project.pk)
    with _lock:
        hit = _cache.get(project_id)
        if hit is not None and hit[0] == key:
            _cache.move_to_end(project_id)
            return hit[1]
    from accounts.secret_vault import secret_aad

    values = [crypto.decrypt(token, aad=secret_aad(project_id, name)) for name, token in rows] \
        if policy.mask_secrets else []
    compiled = Redactor(values, policy)
    with _lock:
        _cache[project_id] = (key, compiled)
        _cache.move_to_end(project_id)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return compiled


def redactor_for_id(project_id: str) -> Redactor:
    return redactor_for(Project.objects.get(pk=project_id))


def redact_for_project(project: Project, data: Any, path: tuple[str, ...] = ()) -> Any:
    """A redacted copy of `data` as `project`'s policy says (the one-call form of `redactor_for`)."""
    return redactor_for(project).data(data, path)


def forget(project_id: str | None = None) -> None:
    """Drop cached redactors (one project, or all). Not needed for correctness (entries are keyed
    on the policy and ciphertexts); frees the plaintext sooner after a secret is deleted."""
    with _lock:
        if project_id is None:
            _cache.clear()
        else:
            _cache.pop(str(project_id), None)
