"""Console users and agents for the admin tests."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts import services
from tests.runs.factories import scripted_agent


def console_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def staff_user(username: str, *, project=None, role: str | None = None, superuser: bool = False):
    """A staff user, optionally a member of `project` with `role`."""
    User = get_user_model()
    if superuser:
        return User.objects.create_superuser(username, password=None)
    user = User.objects.filter(username=username).first() or User.objects.create_user(
        username, password=None, is_staff=True)  # no hashing: tests log in directly
    if project is not None:
        services.set_member_role(project=project, user=user, role=role or "viewer")
    return user


@pytest.fixture
def superuser_client(db):
    return console_client(staff_user("root", superuser=True))


@pytest.fixture
def member_client(project):
    """A function: a logged-in client of a staff member of `project` with the given role."""
    def make(role: str = "developer"):
        return console_client(staff_user(f"member-{role}", project=project, role=role))
    return make


@pytest.fixture
def outsider_client(other_project):
    """A staff user who is a member of another project only."""
    return console_client(staff_user("outsider", project=other_project, role="owner"))


@pytest.fixture
def agent(project):
    """The scripted agent `helper` of `project`, with version 1."""
    agent, _ = scripted_agent(project)
    return agent
