"""Authoring a new version in the console: through the service, with its field errors shown."""
import json

import pytest

from accounts.admin_scoping import admin_url
from agents.models import AgentVersion

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {"model": "scripted/helper", "instructions": "Be brief.", "tools": "", "knowledge": "",
            "input_schema": "", "output_schema": "", "guardrails": "", "limits": "",
            "advanced": json.dumps({"model_settings": {"script": [{"echo": True}]}})}
    return {**data, **overrides}


def test_form_is_prefilled_from_the_latest_version(member_client, agent):
    page = member_client("developer").get(admin_url(agent, "new_version")).content.decode()
    assert "Prefilled from version 1" in page
    assert 'value="scripted/helper"' in page
    assert "Be brief.</textarea>" in page
    assert "&quot;max_steps&quot;: 10" in page  # the normalised limits of version 1


def test_valid_form_creates_the_next_version_as_the_user(member_client, agent):
    client = member_client("developer")
    body = form_data(instructions="Answer in French.", limits=json.dumps({"max_steps": 4}),
                     output_schema=json.dumps({"type": "object", "properties": {"text": {"type": "string"}}}))
    response = client.post(admin_url(agent, "new_version"), body)
    assert response.status_code == 302
    assert response["Location"] == admin_url(agent)
    created = AgentVersion.objects.get(agent=agent, number=2)
    assert created.body["instructions"] == "Answer in French."
    assert created.body["limits"]["max_steps"] == 4
    assert created.body["output_schema"]["type"] == "object"
    assert created.created_by.username == "member-developer"
    page = client.get(response["Location"]).content.decode()
    assert "Created version 2 of helper." in page


def test_service_field_errors_are_shown_next_to_their_fields(member_client, agent):
    body = form_data(limits=json.dumps({"max_steps": 0}), tools=json.dumps(["no-such-tool"]))
    response = member_client("developer").post(admin_url(agent, "new_version"), body)
    assert response.status_code == 400
    form = response.context["form"]
    assert any("max_steps" in message for message in form.errors["limits"])
    assert agent.versions.count() == 1
    # unknown references are checked once the body's shape is valid
    body = form_data(tools=json.dumps(["no-such-tool"]))
    response = member_client("developer").post(admin_url(agent, "new_version"), body)
    assert response.status_code == 400
    assert response.context["form"].errors["tools"] == ["tools[0]: unknown tool 'no-such-tool'"]
    assert b"unknown tool" in response.content
    assert agent.versions.count() == 1


def test_invalid_json_is_a_form_error_before_the_service(member_client, agent):
    response = member_client("developer").post(admin_url(agent, "new_version"),
                                               form_data(guardrails="[{oops"))
    assert response.status_code == 400
    assert response.context["form"].errors["guardrails"][0].startswith("Not valid JSON")
    response = member_client("developer").post(admin_url(agent, "new_version"),
                                               form_data(limits="[1, 2]"))
    assert response.context["form"].errors["limits"] == ["Expected a JSON object."]


def test_identical_body_says_which_version_instead_of_creating_one(member_client, agent):
    client = member_client("developer")
    response = client.post(admin_url(agent, "new_version"), form_data(), follow=True)
    assert response.status_code == 200
    assert "identical to version 1" in response.content.decode()
    assert agent.versions.count() == 1


def test_viewer_cannot_create_versions(member_client, agent):
    response = member_client("viewer").post(admin_url(agent, "new_version"), form_data(model="x/y"))
    assert response.status_code == 403
    assert agent.versions.count() == 1


def test_browser_line_breaks_do_not_make_a_different_version(member_client, agent):
    client = member_client("developer")
    response = client.post(admin_url(agent, "new_version"), form_data(instructions="Line one.\nLine two."))
    assert response.status_code == 302
    assert agent.versions.count() == 2
    response = client.post(admin_url(agent, "new_version"), form_data(instructions="Line one.\r\nLine two."),
                           follow=True)
    assert "identical to version 2" in response.content.decode()
    assert agent.versions.count() == 2


def test_unknown_model_provider_is_shown_on_the_model_field(member_client, agent):
    response = member_client("developer").post(admin_url(agent, "new_version"), form_data(model="foo/bar"))
    assert response.status_code == 400
    assert any("'foo' is not configured" in message for message in response.context["form"].errors["model"])
    assert agent.versions.count() == 1


def test_model_help_names_the_documented_local_ref(member_client, agent):
    page = member_client("developer").get(admin_url(agent, "new_version")).content.decode()
    assert "local/default" in page and "local/gemma3" not in page
