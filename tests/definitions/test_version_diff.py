"""The console's version compare page: the body of a version against another, as a line diff."""
from __future__ import annotations

import pytest

from accounts.admin_scoping import admin_url
from agent_platform.definitions.diff import body_diff
from agents import services

pytestmark = pytest.mark.django_db


def test_compare_shows_removed_and_added_lines_against_the_previous_version(member_client, agent):
    v1 = agent.versions.get()
    v2, _ = services.create_agent_version(agent=agent, body={**v1.body, "instructions": "Answer in French."})
    client = member_client("viewer")
    version_page = client.get(admin_url(v2)).content.decode()
    assert admin_url(v2, "diff") in version_page and "Compare with v1" in version_page
    page = client.get(admin_url(v2, "diff"))
    assert page.status_code == 200
    kinds = {(line.kind, line.text.strip()) for line in page.context["lines"]}
    assert ("removed", '-  "instructions": "Be brief.",') in kinds
    assert ("added", '+  "instructions": "Answer in French.",') in kinds
    assert b'id="version-diff"' in page.content


def test_compare_with_a_missing_version_is_a_404_page(member_client, agent):
    v1 = agent.versions.get()
    assert member_client("viewer").get(admin_url(v1, "diff") + "?against=9").status_code == 404


def test_other_projects_cannot_compare(outsider_client, agent):
    assert outsider_client.get(admin_url(agent.versions.get(), "diff")).status_code == 404


def test_identical_bodies_have_no_diff_lines():
    assert body_diff({"a": 1, "b": [1, 2]}, {"b": [1, 2], "a": 1}) == []
