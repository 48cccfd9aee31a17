"""Item 9 of issue 15: another local user cannot reach the embedded PostgreSQL (socket
directory 0700, password auth), a trust-auth data directory from an older version is switched
to password auth on start, and var/ files are private."""
from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
from pathlib import Path

import psycopg
import pytest

from agent_platform import embedded

pytestmark = pytest.mark.slow
as_root = pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None,
                             reason="switching to another local user needs root and setpriv")


@pytest.fixture
def var(tmp_path):
    path = tmp_path / "var"
    path.mkdir()
    yield path
    embedded.stop_postgres(path)
    embedded.stop_redis(path)


def passwordless(var: Path) -> str:
    return f"postgresql://postgres@/{embedded.DB_NAME}?host={embedded._run_dir(var)}"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@as_root
def test_another_local_user_cannot_connect(var):
    url = embedded.ensure_postgres(var)
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    nobody = pwd.getpwnam("nobody")
    psql = embedded._pg_bin("psql")
    attempt = subprocess.run(
        ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups",
         psql, "-h", str(embedded._run_dir(var)), "-U", "postgres", "-c", "SELECT 1", embedded.DB_NAME],
        capture_output=True, text=True, timeout=30, env={"PATH": "/usr/bin:/bin"})
    assert attempt.returncode != 0
    assert "Permission denied" in attempt.stderr or "password" in attempt.stderr


def test_connections_without_the_password_are_refused(var):
    embedded.ensure_postgres(var)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(passwordless(var), connect_timeout=5).close()


def test_a_trust_auth_data_directory_is_switched_to_password_auth(var):
    url = embedded.ensure_postgres(var)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (v text)")
        conn.execute("INSERT INTO kept VALUES ('still here')")
    embedded.stop_postgres(var)
    (var / "pgdata" / "pg_hba.conf").write_text("local all all trust\n")  # as older versions left it
    (var / embedded.PASSWORD_FILE).unlink()  # and without a password file
    url = embedded.ensure_postgres(var)
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT v FROM kept").fetchone() == ("still here",)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(passwordless(var), connect_timeout=5).close()


def test_var_files_are_private(var):
    embedded.ensure_postgres(var)
    embedded.ensure_redis(var)
    assert mode(var) & 0o077 in (0, 0o011)  # at most traversal (the PostgreSQL user's, as root)
    assert mode(var / embedded.PASSWORD_FILE) == 0o600
    assert mode(embedded._run_dir(var)) == 0o700
    for sub in ("log", "redis"):
        assert mode(var / sub) == 0o700
        for child in (var / sub).iterdir():
            if child.is_file():
                assert mode(child) == 0o600, child
    assert "****" in embedded.masked_url(embedded.postgres_url(var))
    assert embedded.pg_password(var) not in embedded.masked_url(embedded.postgres_url(var))

