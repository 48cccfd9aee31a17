"""Agents, versions, environments and promotions are under audit, with the console user as actor."""
import json

import pytest
from auditlog.models import LogEntry

from accounts.admin_scoping import admin_url
from agents.models import AgentEnvironment, AgentPromotion, AgentVersion

pytestmark = pytest.mark.django_db


def test_console_authoring_and_promotion_are_audited_with_the_user(member_client, agent):
    client = member_client("admin")
    body = {"model": "scripted/helper", "instructions": "Audited.", "advanced": json.dumps(
        {"model_settings": {"script": [{"echo": True}]}})}
    assert client.post(admin_url(agent, "new_version"), body).status_code == 302
    version = AgentVersion.objects.get(agent=agent, number=2)
    assert client.post(admin_url(version, "promote"), {"environment": "prod", "confirm": "1"}).status_code == 302

    for model, object_pk in [(AgentVersion, version.pk),
                             (AgentPromotion, AgentPromotion.objects.get(agent=agent).pk),
                             (AgentEnvironment, AgentEnvironment.objects.get(agent=agent, name="prod").pk)]:
        entry = LogEntry.objects.get_for_model(model).filter(object_pk=str(object_pk)).latest("timestamp")
        assert entry.actor is not None and entry.actor.username == "member-admin", model
