from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts import services
from accounts.models import ApiKey, Project
from agent_platform import config, embedded

DEMO_KEY_NAME = "demo"
DEMO_KEY_FILE = "demo_api_key"


def demo_key_path() -> Path:
    """Where the demo's owner key is kept for the next run (mode 0600, like the other secrets)."""
    return embedded.var_dir() / DEMO_KEY_FILE


def demo_api_key(project: Project, user) -> str:
    """The demo's owner API key: the one kept in `demo_key_path()` while it still authenticates
    for `project`, else a new one (written there). Repeated demos reuse one key."""
    path = demo_key_path()
    if path.exists():
        raw = path.read_text().strip()
        key = ApiKey.objects.filter(project=project, key_hash=services.hash_api_key(raw)).first()
        if key is not None and key.is_active():
            return raw
    _, raw = services.create_api_key(project=project, name=DEMO_KEY_NAME, role="owner", created_by=user)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(raw + "\n")
    os.replace(tmp, path)  # atomic: never a half-written key file
    return raw


def seed_demo_project() -> tuple[Project, str, str]:
    """The demo project, an admin user (password kept in var/demo_admin_password) and the demo's
    owner key (kept in var/demo_api_key, reused across runs)."""
    project = Project.objects.filter(slug="demo").first() or services.create_project(slug="demo", name="Demo")
    password = config.secret_file(embedded.var_dir() / "demo_admin_password", make=lambda: secrets.token_urlsafe(12))
    user = services.create_user(username="admin", password=password, email="admin@example.com", is_staff=True)
    if not user.is_superuser:
        user.is_superuser = True
        user.save(update_fields=["is_superuser"])
    services.set_member_role(project=project, user=user, role="owner")
    project.http_allowlist = sorted(set(project.http_allowlist) | {"127.0.0.1"})  # the local demo service
    project.save(update_fields=["http_allowlist"])
    return project, password, demo_api_key(project, user)


def local_base_url() -> str:
    """The running server (`serve up`) as seen from this machine: PLATFORM_HOST / PLATFORM_PORT."""
    host = settings.PLATFORM_HOST
    host = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(host, host)  # noqa: S104 - a bind-all address
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{settings.PLATFORM_PORT}"


def key_hint(raw_key: str) -> str:
    """How to use the demo key without printing it (output may end up in logs)."""
    return f"{raw_key[:10]}… — export KEY=$(cat {demo_key_path()})"


class Command(BaseCommand):
    help = "Create the demo project, an admin user and an API key; print how to log in."

    def handle(self, *args, **options):
        project, password, raw_key = seed_demo_project()
        self.stdout.write(f"project: {project.slug}\nadmin console: {local_base_url()}/admin/ "
                          f"(user admin, password {password})\nAPI key (owner): {key_hint(raw_key)}")
