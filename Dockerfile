# Agent Platform: one image for the API (Daphne), the workers, the scheduler and the migrations Job.
# Two stages: the build tools (compilers for llama-cpp-python) stay in the first; the final image has
# the virtualenv, bubblewrap for the code sandbox, and runs as the non-root user 10001 (deploy/k8s).

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends build-essential cmake \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY requirements.txt requirements-local.txt requirements-embed.txt /tmp/
RUN pip install -r /tmp/requirements.txt \
    && CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install -r /tmp/requirements-local.txt \
    && pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu \
    && pip install -r /tmp/requirements-embed.txt

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=agent_platform.settings PLATFORM_VAR_DIR=/var/lib/agent-platform \
    PLATFORM_STATIC_ROOT=/app/staticfiles
# Run-time libraries only: bubblewrap (the code tool's sandbox), libgomp (llama.cpp's threads).
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap libgomp1 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 platform && useradd --uid 10001 --gid 10001 --create-home platform
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# The code belongs to root and is read-only for the platform user.
COPY . .
# Static files (admin, console, API docs) collected into the image with hashed names and served by
# the app (WhiteNoise). Settings only need placeholders here: nothing connects to a database or
# Redis, and no generated key is left in the image.
RUN DATABASE_URL=postgresql://collectstatic@localhost/none REDIS_URL=redis://localhost:6379/0 \
    SECRET_KEY=collectstatic-only PLATFORM_ENCRYPTION_KEY=collectstatic-only PLATFORM_VAR_DIR=/tmp/collectstatic \
    python manage.py collectstatic --noinput -v 0 && rm -rf /tmp/collectstatic \
    && mkdir -p "$PLATFORM_VAR_DIR" && chown 10001:10001 "$PLATFORM_VAR_DIR"
USER 10001:10001
EXPOSE 8000
# API: daphne; worker: `python manage.py platform_worker --queues runs`; scheduler:
# `python -m agent_platform.scheduler`; migrations: `python manage.py migrate`. Set DATABASE_URL and REDIS_URL.
CMD ["python", "-m", "daphne", "--proxy-headers", "-b", "0.0.0.0", "-p", "8000", "agent_platform.asgi:application"]
