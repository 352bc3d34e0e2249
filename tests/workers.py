"""Start real Celery worker processes against the test database and Redis broker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def worker_env(**extra: str) -> dict:
    """The worker must see the rows the test committed: point it at the test database."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return dict(os.environ, DATABASE_URL=url, CELERY_TASK_ALWAYS_EAGER="0", PYTHONUNBUFFERED="1", **extra)


@contextmanager
def celery_worker(*, queues: str | None = None, concurrency: int = 1, log_path: Path | None = None, **env_extra: str):
    args = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--loglevel", "INFO", "--concurrency", str(concurrency),
            "--pool", "prefork", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    if queues:
        args += ["--queues", queues]
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen(args, cwd=ROOT, env=worker_env(**env_extra), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        stop_worker(proc)
        if log_path:
            out.close()


def stop_worker(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_until(predicate, timeout: float = 60, interval: float = 0.25, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")
