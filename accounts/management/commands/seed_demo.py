from __future__ import annotations

import secrets

from django.core.management.base import BaseCommand

from accounts import services
from accounts.models import Project
from agent_platform import config, embedded


def seed_demo_project() -> tuple[Project, str, str]:
    """The demo project, an admin user (password kept in var/demo_admin_password) and a fresh key."""
    project = Project.objects.filter(slug="demo").first() or services.create_project(slug="demo", name="Demo")
    password = config.secret_file(embedded.var_dir() / "demo_admin_password", make=lambda: secrets.token_urlsafe(12))
    user = services.create_user(username="admin", password=password, email="admin@example.com", is_staff=True)
    if not user.is_superuser:
        user.is_superuser = True
        user.save(update_fields=["is_superuser"])
    services.set_member_role(project=project, user=user, role="owner")
    project.http_allowlist = sorted(set(project.http_allowlist) | {"127.0.0.1"})  # the local demo service
    project.save(update_fields=["http_allowlist"])
    _, raw_key = services.create_api_key(project=project, name="demo", role="owner", created_by=user)
    return project, password, raw_key


class Command(BaseCommand):
    help = "Create the demo project, an admin user and an API key; print how to log in."

    def handle(self, *args, **options):
        project, password, raw_key = seed_demo_project()
        self.stdout.write(f"project: {project.slug}\nadmin console: http://127.0.0.1:8000/admin/ "
                          f"(user admin, password {password})\nAPI key (owner): {raw_key}")
