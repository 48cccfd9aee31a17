"""Typed errors of the definition layer: domain errors (agent_platform/service_errors.py), which the one
exception handler of `agent_platform.api.errors` maps to problem+json (type `.../problems/<code>`)."""
from __future__ import annotations

from agent_platform.service_errors import PermissionRefused, StateConflict


class PromotionGateFailed(StateConflict):
    """A promotion gate (e.g. an evaluation threshold) refused the promotion: 409."""

    code, title = "promotion_gate_failed", "Promotion gate failed"

    def __init__(self, detail: str, *, gate: str = "", details: dict | None = None) -> None:
        super().__init__(detail, errors={"version": [detail]})
        self.gate = gate
        self.details = details or {}


class PromotionForbidden(PermissionRefused):
    """The actor may not point this environment (prod needs `deploy_project`): 403."""
