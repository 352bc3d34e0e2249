"""Start real Celery worker processes against the test database and Redis broker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from celery.beat import Scheduler
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


class ProjectScheduleSpedUp(Scheduler):
    """The project's own CELERY_BEAT_SCHEDULE, sent through beat's own path, with every entry due
    at start and then every BEAT_SPEEDUP-th of its interval, so a test need not wait an hour."""

    def setup_schedule(self):
        speedup = float(os.environ.get("BEAT_SPEEDUP", "1"))
        entries = {}
        for name, entry in self.app.conf.beat_schedule.items():
            every = entry["schedule"]
            seconds = every.total_seconds() if isinstance(every, timedelta) else float(every)
            entries[name] = dict(entry, schedule=max(1.0, seconds / speedup))
        self.merge_inplace(entries)
        for entry in self.schedule.values():
            entry.last_run_at = self.app.now() - timedelta(days=1)


@contextmanager
def celery_beat(*, log_path: Path, speedup: float = 60, **env_extra: str):
    args = [sys.executable, "-m", "celery", "-A", "portal", "beat", "--loglevel", "INFO", "--max-interval", "1",
            "--scheduler", "tests.workers:ProjectScheduleSpedUp"]
    out = open(log_path, "ab")
    proc = subprocess.Popen(args, cwd=ROOT, env=worker_env(BEAT_SPEEDUP=str(speedup), **env_extra), stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        stop_worker(proc)
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
