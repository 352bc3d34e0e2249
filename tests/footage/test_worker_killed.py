"""A worker killed outright (SIGKILL) in the middle of a proxy encode: the sweeper, sent by a real
beat, notices the stale heartbeat, the job runs again on a new worker with nobody stepping in, and
exactly one proxy exists afterwards."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from footage.jobs import work_root
from media import make_test_clip
from footage.models import CustodyAction, FootageStatus, JobKind, JobState, ProcessingJob
from portal.celery import app
from tests.factories.footage import make_footage
from tests.workers import celery_beat, celery_worker, stop_worker, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(400)]


def _proxy_job() -> ProcessingJob:
    connection.close()  # see the worker's commits
    return ProcessingJob.objects.get(kind=JobKind.PROXY)


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    """Long enough that the proxy encode is still running when its worker is stopped; both tests
    ingest a copy of the same file."""
    return make_test_clip(tmp_path_factory.mktemp("clip") / "long.mp4", seconds=15, size=(1280, 720), fps=30)


def test_a_proxy_job_whose_worker_was_killed_is_swept_by_beat_and_completes_with_one_proxy(people, case, clip, tmp_path):
    # Production judges a heartbeat stale after 5 minutes and sweeps every 2; here 6 s and every 3 s
    # (an encode beats every second, and a few times that apart on a loaded machine).
    stale = {"FOOTAGE_JOB_STALE_SECONDS": "6"}
    app.conf.task_always_eager = False
    try:
        item = make_footage(incident=case, uploaded_by=people.reporter, path=clip, process=False)
        with celery_beat(log_path=tmp_path / "beat.log", speedup=40):
            with celery_worker(log_path=tmp_path / "worker-1.log", **stale) as first:
                wait_until(lambda: _proxy_job().progress > 0, timeout=180, message="the proxy encode to start")
                stop_worker(first, signal.SIGKILL)
            killed = _proxy_job()
            assert (killed.state, killed.attempts) == (JobState.RUNNING, 1)
            assert killed.progress < 1

            with celery_worker(log_path=tmp_path / "worker-2.log", **stale):
                wait_until(lambda: _proxy_job().state == JobState.DONE, timeout=300, message="the proxy job to finish")
    finally:
        app.conf.task_always_eager = True

    swept = re.search(r"footage\.tasks\.sweep_stuck_jobs\[[0-9a-f-]+\] succeeded[^\n]*'requeued': 1", (tmp_path / "worker-2.log").read_text())
    assert swept, "the job was not put back by the scheduled sweep"

    job = _proxy_job()
    assert job.attempts == 2
    item.refresh_from_db()
    assert item.status == FootageStatus.READY
    # Other tests' proxies share the folder; an extra copy of this one would carry its id plus a suffix.
    proxies = [p.name for p in (Path(settings.MEDIA_ROOT) / "proxies").iterdir() if p.name.startswith(str(item.public_id))]
    assert proxies == [f"{item.public_id}.mp4"]
    assert item.proxy.name == f"proxies/{item.public_id}.mp4"
    assert item.custody_events.filter(action=CustodyAction.DERIVED, detail__kind="proxy").count() == 1
    assert not list(work_root().rglob("*.part"))


def test_a_worker_stopped_as_docker_stops_it_exits_within_its_grace_period_and_its_job_finishes_on_another(people, case, clip, tmp_path):
    # As docker-compose runs it, with a soft shutdown of 2 s instead of 90.
    as_compose = {"REMAP_SIGTERM": "SIGQUIT", "CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT": "2", "FOOTAGE_JOB_STALE_SECONDS": "6"}
    app.conf.task_always_eager = False
    try:
        item = make_footage(incident=case, uploaded_by=people.reporter, path=clip, process=False)
        with celery_beat(log_path=tmp_path / "beat.log", speedup=40):
            with celery_worker(log_path=tmp_path / "worker-1.log", **as_compose) as first:
                wait_until(lambda: _proxy_job().progress > 0, timeout=180, message="the proxy encode to start")
                started = time.monotonic()
                os.killpg(first.pid, signal.SIGTERM)  # the whole group, as systemd does; docker signals the worker alone
                try:
                    first.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    raise AssertionError("the worker did not stop within 30 s of SIGTERM") from None
                stopped_after = time.monotonic() - started
            with celery_worker(log_path=tmp_path / "worker-2.log", **as_compose):
                wait_until(lambda: _proxy_job().state == JobState.DONE, timeout=300, message="the proxy job to finish")
    finally:
        app.conf.task_always_eager = True

    assert stopped_after < 30
    assert _proxy_job().attempts <= 2
    item.refresh_from_db()
    assert item.status == FootageStatus.READY
    proxies = [p.name for p in (Path(settings.MEDIA_ROOT) / "proxies").iterdir() if p.name.startswith(str(item.public_id))]
    assert proxies == [f"{item.public_id}.mp4"]
    assert item.custody_events.filter(action=CustodyAction.DERIVED, detail__kind="proxy").count() == 1
