"""A worker killed outright (SIGKILL) in the middle of a proxy encode: the sweeper notices the
stale heartbeat, the job runs again on a new worker, and exactly one proxy exists afterwards."""

from __future__ import annotations

import signal
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from footage.jobs import stale_after, sweep_stuck_jobs, work_root
from footage.media import make_test_clip
from footage.models import CustodyAction, FootageStatus, JobKind, JobState, ProcessingJob
from portal.celery import app
from tests.factories.footage import make_footage
from tests.workers import celery_worker, stop_worker, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(400)]


def _proxy_job() -> ProcessingJob:
    connection.close()  # see the worker's commits
    return ProcessingJob.objects.get(kind=JobKind.PROXY)


def test_a_proxy_job_whose_worker_was_killed_completes_on_restart_with_one_proxy(people, case, tmp_path):
    clip = make_test_clip(tmp_path / "long.mp4", seconds=15, size=(1280, 720), fps=30)
    app.conf.task_always_eager = False
    try:
        item = make_footage(incident=case, uploaded_by=people.reporter, path=clip, process=False)
        with celery_worker(log_path=tmp_path / "worker-1.log") as first:
            wait_until(lambda: _proxy_job().progress > 0, timeout=180, message="the proxy encode to start")
            stop_worker(first, signal.SIGKILL)
        killed = _proxy_job()
        assert (killed.state, killed.attempts) == (JobState.RUNNING, 1)
        assert killed.progress < 1

        # Beat runs the sweeper every two minutes; here it runs once the heartbeat is stale.
        assert sweep_stuck_jobs(now=timezone.now() + stale_after() + timedelta(seconds=1))["requeued"] == 1
        with celery_worker(log_path=tmp_path / "worker-2.log"):
            wait_until(lambda: _proxy_job().state == JobState.DONE, timeout=300, message="the proxy job to finish")
    finally:
        app.conf.task_always_eager = True

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
