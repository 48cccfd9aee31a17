"""Embedded PostgreSQL and Redis: restart without data loss; one server per data directory."""
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import psycopg
import pytest
import redis

from agent_platform import embedded

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def var(tmp_path):
    path = tmp_path / "var"
    path.mkdir()
    yield path
    embedded.stop_postgres(path)
    embedded.stop_redis(path)


def start_in_subprocess(var: Path) -> str:
    env = {**os.environ, "PLATFORM_VAR_DIR": str(var)}
    result = subprocess.run([sys.executable, "-m", "agent_platform.embedded", "start"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def postmasters_for(pgdata: Path) -> list[int]:
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if proc.info["name"] == "postgres" and str(pgdata) in cmdline:
            found.append(proc.pid)
    return found


@pytest.mark.slow
def test_data_survives_a_restart(var):
    url = embedded.ensure_postgres(var)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (v text)")
        conn.execute("INSERT INTO kept VALUES ('still here')")
    client = redis.Redis.from_url(embedded.ensure_redis(var))
    client.set("kept", "still here")
    client.close()

    assert embedded.stop_postgres(var) and embedded.stop_redis(var)
    assert embedded.status(var) == {"postgres": False, "redis": False}

    with psycopg.connect(embedded.ensure_postgres(var)) as conn:
        assert conn.execute("SELECT v FROM kept").fetchone() == ("still here",)
    client = redis.Redis.from_url(embedded.ensure_redis(var))
    assert client.get("kept") == b"still here"
    client.close()


@pytest.mark.slow
def test_two_processes_start_one_server(var):
    with ThreadPoolExecutor(max_workers=3) as pool:
        outputs = list(pool.map(start_in_subprocess, [var] * 3))
    assert len(set(outputs)) == 1  # everyone got the same URLs
    assert len(postmasters_for(var / "pgdata")) == 1
    redis_servers = [p for p in psutil.process_iter(["name", "cwd"])
                     if p.info["name"] == "redis-server" and p.info["cwd"] == str(var / "redis")]
    assert len(redis_servers) == 1


@pytest.mark.slow
def test_a_later_process_reuses_the_running_server(var):
    embedded.ensure_postgres(var)
    before = postmasters_for(var / "pgdata")
    start_in_subprocess(var)
    assert postmasters_for(var / "pgdata") == before
