"""The promotion gate: a target's policy for an environment must be met by a passing eval of the
exact version being promoted (registered on the definitions layer's `gate` hook in apps.py).

An owner may override a refusal with a reason: the promotion goes ahead, and a `GateOverride`
row (under django-auditlog) records who, why and what failed.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from agent_platform.definitions import selectors as definition_selectors
from agent_platform.definitions.errors import PromotionGateFailed
from evals.models import DATASETS, SUCCEEDED, EvalRun, GateOverride, PromotionPolicy
from runtime.evals import parse_threshold
from runtime.evals.thresholds import evaluate_threshold


def _policy_for(version, environment: str) -> tuple[str, PromotionPolicy | None]:
    kind = "agent" if hasattr(version, "agent_id") else "workflow"
    definition_id = getattr(version, f"{kind}_id")
    policy = PromotionPolicy.objects.filter(kind=kind, environment=environment,
                                            **{f"{kind}_id": definition_id}).select_related("dataset").first()
    return kind, policy


def check_policy(policy: PromotionPolicy, kind: str, version) -> tuple[EvalRun | None, list[str]]:
    """(the eval that decided, failures): no failures means the policy is met."""
    evals = EvalRun.objects.filter(project_id=policy.project_id, dataset=policy.dataset,
                                   **{f"{kind}_version": version}).order_by("-created_at")
    label = f"{kind} v{version.number}"
    if policy.latest_dataset_version:
        latest = definition_selectors.latest_version(DATASETS, policy.dataset)
        if latest is None:
            return None, [f"dataset {policy.dataset.name!r} has no versions"]
        evals = evals.filter(dataset_version=latest)
        label += f" on dataset {policy.dataset.name!r} v{latest.number}"
    else:
        label += f" on dataset {policy.dataset.name!r}"
    if policy.max_age_days is not None:
        evals = evals.filter(created_at__gte=timezone.now() - timedelta(days=policy.max_age_days))
    candidates = list(evals.filter(status=SUCCEEDED)[:20])
    if not candidates:
        age = f" in the last {policy.max_age_days} days" if policy.max_age_days is not None else ""
        return None, [f"no succeeded eval of {label}{age}"]
    newest_failures: list[str] | None = None
    newest = candidates[0]
    for candidate in candidates:
        failures = threshold_failures(policy.thresholds, candidate)
        if not failures:
            return candidate, []
        if newest_failures is None:
            newest_failures = failures
    return newest, newest_failures or []


def threshold_failures(thresholds: list[str], eval_run: EvalRun) -> list[str]:
    summary = (eval_run.report or {}).get("summary") or {}
    failures = []
    for text in thresholds:
        threshold = parse_threshold(text)
        if threshold.metric not in summary:
            failures.append(f"{text}: eval {eval_run.id} did not compute metric {threshold.metric!r}")
            continue
        checked: dict[str, Any] = evaluate_threshold(threshold, summary)
        if not checked["passed"]:
            failures.append(f"{text}: {checked.get('reason') or 'not met'} (eval {eval_run.id})")
    return failures


def eval_policy_gate(version, environment: str, actor: str, override_reason: str) -> None:
    """The gate hook: raise `PromotionGateFailed` (409) naming each failing threshold and the eval."""
    kind, policy = _policy_for(version, environment)
    if policy is None:
        return None
    decided_by, failures = check_policy(policy, kind, version)
    if not failures:
        return None
    if override_reason:
        GateOverride.objects.create(project_id=policy.project_id, policy=policy, kind=kind,
                                    target_id=getattr(version, f"{kind}_id"), version_number=version.number,
                                    environment=environment, actor=actor, reason=override_reason[:500],
                                    failures={"thresholds": failures}, eval=decided_by)
        return None
    detail = (f"promotion of {kind} v{version.number} to {environment} needs a passing eval on dataset "
              f"{policy.dataset.name!r} ({policy.id}): {failures[0]}")
    error = PromotionGateFailed(detail, gate="eval_policy_gate")
    error.errors = {"thresholds": failures, "eval": [decided_by.id] if decided_by else [],
                    "policy": [policy.id]}
    raise error


def promote_with_override(*, project, target: dict, environment: str, reason: str, actor: str, can_deploy: bool):
    """Promote a version although its policy's gate refuses: the reason goes on the promotion's
    note and on an audited `GateOverride`. Callers check that the actor is an owner."""
    from agent_platform.api.errors import FieldError
    from agent_platform.definitions import services as definition_services
    from agents.models import AGENTS
    from evals.eval_requests import resolve_target
    from workflows.models import WORKFLOWS

    reason = (reason or "").strip()
    if not reason:
        raise FieldError("reason", "an override needs a reason")
    if not isinstance(target, dict) or target.get("version") is None:
        raise FieldError("target.version", "name the exact version to promote")
    resolved = resolve_target(project, target)
    kind = AGENTS if resolved.kind == "agent" else WORKFLOWS
    note = f"gate overridden: {reason}"[:500]
    return definition_services.promote(kind, resolved.definition, resolved.version, environment, actor=actor,
                                       note=note, override_reason=reason, can_deploy=can_deploy)
