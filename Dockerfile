# Production images for the incident portal. The `web` target runs the Django app (gunicorn), beat
# and the migrations; the `worker` target is the same plus the detection libraries the Celery
# workers redact and check with. docker-compose.yml picks the target and the command.
FROM python:3.11-slim-bookworm AS web

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=portal.settings \
    PORTAL_VAR_DIR=/var/lib/portal

# ffmpeg/ffprobe do the probing, proxies, thumbnails and redaction renders.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them: every package at the version
# and with the hashes of the lockfile (requirements/README.md); the project runs from /app.
COPY requirements/web.lock requirements/
RUN pip install --no-deps --require-hashes -r requirements/web.lock

COPY . .

# Static files are collected at build time, with the production storage (hashed, compressed names),
# so the running containers never write to /app. The secret is a throwaway: collectstatic
# neither signs nor touches the database.
RUN DJANGO_ENV=production SECRET_KEY=collectstatic-build-only-not-a-secret \
    python manage.py collectstatic --noinput

# Non-root runtime user. /var/lib/portal holds the scratch space (upload chunks, temp files of the
# media jobs; a named volume in compose) and the beat schedule; /app stays read-only to the app.
RUN groupadd --system --gid 10001 portal \
    && useradd --system --uid 10001 --gid portal --home-dir /var/lib/portal --shell /usr/sbin/nologin portal \
    && mkdir -p /var/lib/portal/tmp /var/lib/portal/uploads /var/lib/portal/beat \
    && chown -R portal:portal /var/lib/portal
USER portal:portal
ENV TMPDIR=/var/lib/portal/tmp

EXPOSE 8000

CMD ["gunicorn", "portal.wsgi:application", "--config", "docker/gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", "--workers", "2", "--threads", "8", "--timeout", "300", "--access-logfile", "-"]

# The Celery workers: the web image plus the detection libraries (the worker extra).
FROM web AS worker
USER root
COPY requirements/worker.lock requirements/
RUN pip install --no-deps --require-hashes -r requirements/worker.lock
USER portal:portal
