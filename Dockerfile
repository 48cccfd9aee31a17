# Agent Platform: one image for the API (Daphne) and the workers.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=agent_platform.settings PLATFORM_VAR_DIR=/var/lib/agent-platform \
    PLATFORM_STATIC_ROOT=/app/staticfiles
RUN apt-get update && apt-get install -y --no-install-recommends build-essential cmake bubblewrap \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt requirements-local.txt requirements-embed.txt ./
RUN pip install -r requirements.txt \
    && CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install -r requirements-local.txt \
    && pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu \
    && pip install -r requirements-embed.txt
COPY . .
# Static files (admin, console, API docs) collected into the image with hashed names and served by
# the app (WhiteNoise). Settings only need placeholders here: nothing connects to a database or
# Redis, and no generated key is left in the image.
RUN DATABASE_URL=postgresql://collectstatic@localhost/none REDIS_URL=redis://localhost:6379/0 \
    SECRET_KEY=collectstatic-only PLATFORM_ENCRYPTION_KEY=collectstatic-only PLATFORM_VAR_DIR=/tmp/collectstatic \
    python manage.py collectstatic --noinput -v 0 && rm -rf /tmp/collectstatic
RUN useradd --create-home platform && mkdir -p "$PLATFORM_VAR_DIR" && chown platform "$PLATFORM_VAR_DIR"
USER platform
EXPOSE 8000
# API: daphne; worker: `python manage.py platform_worker`. Set DATABASE_URL and REDIS_URL.
CMD ["python", "-m", "daphne", "-b", "0.0.0.0", "-p", "8000", "agent_platform.asgi:application"]
