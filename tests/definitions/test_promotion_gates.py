"""Promotion gates: a registered gate sees (version, environment, actor, override_reason) and may
refuse; a refusal is a 409 problem of type promotion_gate_failed and moves nothing."""
from __future__ import annotations

import pytest

from agent_platform.definitions.errors import PromotionGateFailed
from agents import services
from agents.models import AgentEnvironment, AgentPromotion
from tests.conftest import client_for, make_key
from tests.workflows.factories import chain, make_workflow, node
from workflows import services as workflow_services
from workflows.models import WorkflowEnvironment

pytestmark = pytest.mark.django_db


def pointer(agent, environment):
    version = AgentEnvironment.objects.get(agent=agent, name=environment).version
    return version.number if version else None


def test_a_refusing_gate_is_a_409_problem_and_nothing_moves(api, agent, gate):
    calls = []

    def frozen(version, environment, actor, override_reason):
        calls.append((version.number, environment, actor, override_reason))
        return "stage is frozen this week" if environment == "stage" else None

    gate(frozen, kinds={"agent"})
    response = api.post(f"/api/v1/agents/{agent.pk}/promote", {"version": 1, "environment": "stage"}, format="json")
    assert response.status_code == 409
    assert response["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].endswith("promotion_gate_failed")
    assert problem["detail"] == "stage is frozen this week"
    assert pointer(agent, "stage") is None
    assert not AgentPromotion.objects.filter(agent=agent).exists()
    assert calls[0][:2] == (1, "stage") and calls[0][2].startswith("api-key:")
    allowed = api.post(f"/api/v1/agents/{agent.pk}/promote", {"version": 1, "environment": "dev"}, format="json")
    assert allowed.status_code == 201 and pointer(agent, "dev") == 1


def test_a_gate_may_raise_and_sees_the_override_reason(agent, gate):
    def needs_override(version, environment, actor, override_reason):
        if not override_reason:
            raise PromotionGateFailed("eval below threshold", details={"score": 0.4})

    gate(needs_override)
    version = agent.versions.get()
    with pytest.raises(PromotionGateFailed) as refused:
        services.promote(agent=agent, version=version, environment="prod", actor="ci")
    assert refused.value.details == {"score": 0.4}
    promotion = services.promote(agent=agent, version=version, environment="prod", actor="ci",
                                 override_reason="hotfix approved by on-call")
    assert pointer(agent, "prod") == 1 and promotion.promoted_by == "ci"


def test_gates_apply_only_to_their_kinds(project, agent, gate):
    gate(lambda *args: "agents are frozen", kinds={"agent"})
    workflow, version = make_workflow(project, chain(node("start", "start"), node("end", "end")))
    workflow_services.promote(workflow=workflow, version=version, environment="stage", actor="t")
    assert WorkflowEnvironment.objects.get(workflow=workflow, name="stage").version == version
    with pytest.raises(PromotionGateFailed):
        services.promote(agent=agent, version=agent.versions.get(), environment="stage", actor="t")


def test_the_console_shows_a_gate_refusal_on_the_confirmation_page(member_client, agent, gate):
    from accounts.admin_scoping import admin_url

    gate(lambda version, environment, actor, reason: f"{actor} may not promote today")
    version = agent.versions.get()
    response = member_client("developer").post(admin_url(version, "promote"), {"environment": "dev", "confirm": "1"})
    assert response.status_code == 409
    assert "member-developer may not promote today" in response.content.decode()
    assert pointer(agent, "dev") is None


def test_developers_cannot_promote_to_prod_through_the_service_either(project, agent):
    developer = client_for(make_key(project, "developer"))
    response = developer.post(f"/api/v1/agents/{agent.pk}/promote", {"version": 1, "environment": "prod"},
                              format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Promoting to prod needs the admin role (deploy_project)."
    assert pointer(agent, "prod") is None


def test_promotions_read_well_in_the_console_and_audit_log(agent):
    version = agent.versions.get()
    first = services.promote(agent=agent, version=version, environment="stage", actor="alice")
    assert str(first) == "helper stage: v1 (was nothing)"
    v2, _ = services.create_agent_version(agent=agent, body={**version.body, "instructions": "Shorter."})
    assert str(services.promote(agent=agent, version=v2, environment="stage")) == "helper stage: v2 (was v1)"
    assert str(AgentEnvironment.objects.get(agent=agent, name="stage")) == "helper@stage"
