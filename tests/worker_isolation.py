"""Each pytest-xdist worker its own files and its own Redis databases (pytest-django already gives
each its own PostgreSQL database, test_portal_gw0, test_portal_gw1...).

Loaded with `-p tests.worker_isolation` (pyproject.toml's addopts) so that it runs before
pytest-django reads the settings: PORTAL_VAR_DIR (uploads, evidence, release work, keys) gets a
folder per worker, and REDIS_URL and CELERY_BROKER_URL a database pair per worker, so one worker's
cache flush or Celery worker never meets another's. The processes a test starts (Celery workers,
`manage.py` runs) inherit the same environment. Without xdist nothing changes.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def redis_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


def isolate(worker: str, env=os.environ) -> None:
    n = int(worker.removeprefix("gw"))
    var = env.get("PORTAL_VAR_DIR") or str(Path(__file__).resolve().parent.parent / "var")
    env["PORTAL_VAR_DIR"] = str(Path(var) / worker)
    # Database 0 and 1 are the run's without xdist; workers take the pairs after them.
    for name, offset in (("REDIS_URL", 2), ("CELERY_BROKER_URL", 3)):
        if env.get(name, "").startswith("redis://"):
            env[name] = redis_db(env[name], 2 * n + offset)


if WORKER:
    isolate(WORKER)
