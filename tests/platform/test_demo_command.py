"""`manage.py demo` reaches the server at PLATFORM_HOST:PLATFORM_PORT and reuses its owner key."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts import services
from accounts.management.commands.seed_demo import demo_key_path, seed_demo_project
from accounts.models import ApiKey
from tests.runtime.tools.local_server import LocalServer, json_answer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def var_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PLATFORM_VAR_DIR", str(tmp_path))
    return tmp_path


def test_the_demo_key_is_kept_0600_and_reused_across_runs(db, var_dir):
    _, _, first = seed_demo_project()
    _, _, second = seed_demo_project()

    assert first == second
    assert demo_key_path() == var_dir / "demo_api_key"
    assert demo_key_path().read_text().strip() == first
    assert stat.S_IMODE(demo_key_path().stat().st_mode) == 0o600
    assert ApiKey.objects.filter(project__slug="demo", key_hash=services.hash_api_key(first)).count() == 1
    assert ApiKey.objects.filter(project__slug="demo").count() == 1


def test_a_revoked_demo_key_is_replaced(db, var_dir):
    project, _, first = seed_demo_project()
    services.revoke_api_key(key=ApiKey.objects.get(key_hash=services.hash_api_key(first)))

    _, _, second = seed_demo_project()

    assert second != first
    assert demo_key_path().read_text().strip() == second
    assert ApiKey.objects.get(key_hash=services.hash_api_key(second)).is_active()


def test_seed_demo_never_prints_the_key(db, var_dir, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    raw = demo_key_path().read_text().strip()
    assert raw not in out
    assert raw[:10] in out and str(demo_key_path()) in out


def test_demo_calls_the_server_at_platform_port_with_the_kept_key(db, var_dir, settings, capsys):
    server = LocalServer()
    server.route("/api/v1/runs", lambda seen: json_answer({"type": "unauthorized"}, status=401))
    server.start()
    settings.PLATFORM_HOST, settings.PLATFORM_PORT = "127.0.0.1", server.port
    try:
        for _ in range(2):
            with pytest.raises(CommandError, match="create_run failed: 401"):
                call_command("demo")
    finally:
        server.stop()

    raw = demo_key_path().read_text().strip()
    posts = [seen for seen in server.seen if seen.method == "POST" and seen.path == "/api/v1/runs"]
    assert len(posts) == 2
    assert {seen.headers["Authorization"] for seen in posts} == {f"Bearer {raw}"}
    assert posts[0].json()["agent"] == "assistant"
    assert raw not in capsys.readouterr().out


def test_platform_host_and_port_come_from_the_environment():
    env = {**os.environ, "PLATFORM_PORT": "8299", "PLATFORM_HOST": "0.0.0.0",
           "DJANGO_SETTINGS_MODULE": "agent_platform.settings"}
    code = ("import django; django.setup(); "
            "from accounts.management.commands.seed_demo import local_base_url; print(local_base_url())")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert out.strip().splitlines()[-1] == "http://127.0.0.1:8299"  # a bind-all host is reached on loopback
