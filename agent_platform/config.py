"""Reading configuration from the environment: used by settings only, once, at start-up."""
from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    return [item.strip() for item in value.split(",") if item.strip()] if value else default


def database_from_url(url: str) -> dict:
    """A Django DATABASES entry from `postgresql://user:pass@host:port/name?host=/socket/dir`."""
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ValueError(f"DATABASE_URL must be a postgresql:// URL, got scheme {parsed.scheme!r}")
    query = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
    host = query.pop("host", None) or unquote(parsed.hostname or "")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")) or "postgres",
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": host,
        "PORT": str(parsed.port or ""),
        # A connection pool per process: Daphne serves each request on its own thread, so
        # persistent per-thread connections would be reopened on every request.
        "OPTIONS": {"pool": {"min_size": 2, "max_size": int(os.environ.get("PLATFORM_DB_POOL_SIZE", "20")),
                             "timeout": 10}, **query},
        "CONN_MAX_AGE": 0,
        "TEST": {"NAME": os.environ.get("TEST_DATABASE_NAME") or None},
    }


def secret_file(path: Path, *, make: callable) -> str:
    """Read a generated secret from `path`, creating it once with mode 0600."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
        try:
            os.link(tmp, path)  # atomic: a concurrent starter's key wins, never a half-written file
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text().strip()


def new_django_secret() -> str:
    return secrets.token_urlsafe(50)


def new_encryption_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def test_session() -> str:
    """A per-process id when running under pytest (else empty)."""
    import sys

    return str(os.getpid()) if "pytest" in (sys.argv[0] if sys.argv else "") else ""


def with_redis_db(url: str, db: int) -> str:
    """The same Redis URL pointing at database `db`."""
    from urllib.parse import urlencode, urlunparse

    parsed = urlparse(url)
    if parsed.scheme == "unix":  # urlunparse would drop the empty authority of unix:///path
        base, _, query_text = url.partition("?")
        query = {k: v[-1] for k, v in parse_qs(query_text).items()}
        query["db"] = str(db)
        return f"{base}?{urlencode(query)}"
    return urlunparse(parsed._replace(path=f"/{db}"))
