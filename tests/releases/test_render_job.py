"""A render survives its worker being killed: no partial file anywhere, one file after restart."""

from __future__ import annotations

import re
import signal
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from portal.celery import app
from portal.models import AuditEvent, AuditOutcome
from releases.models import Release, ReleaseState, RenderJob, RenderState
from releases.rendering import claim, requeue_stale_jobs, run_render_job
from releases.workflow import request_release
from tests.factories.releases import make_video_footage
from tests.workers import celery_beat, celery_worker, stop_worker, wait_until


def _job(release_id) -> RenderJob:
    connection.close()  # read the worker's commits, not a cached snapshot
    return RenderJob.objects.filter(release_id=release_id).order_by("-id").first()


def _files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_render_killed_with_sigkill_is_swept_by_beat_and_completes_with_exactly_one_file(case, people, tmp_path):
    footage = make_video_footage(incident=case, uploaded_by=people.investigator, seconds=4, size=(640, 360))
    release_folder = Path(settings.MEDIA_ROOT) / "releases"
    # Production beats every 10 s and calls a render lost after 5 minutes; here every second and after
    # 10 s, twice the longest pause between beats seen on a loaded machine (a model loading).
    stale = {"RELEASE_RENDER_HEARTBEAT_SECONDS": "1", "RELEASE_RENDER_STALE_SECONDS": "10"}
    app.conf.task_always_eager = False
    try:
        release = request_release(footage, actor=people.investigator)
        with celery_beat(log_path=tmp_path / "beat.log", speedup=40):
            with celery_worker(log_path=tmp_path / "worker-1.log", **stale) as worker:
                wait_until(
                    lambda: (j := _job(release.pk)) and j.state == RenderState.RUNNING and j.progress > 0 and j,
                    timeout=120, interval=0.1, message="the render to make progress",
                )
                stop_worker(worker, signal.SIGKILL)
            killed = _job(release.pk)
            assert killed.state == RenderState.RUNNING and killed.progress < 0.8, "the kill came too late to test anything"
            assert _files_under(release_folder / str(release.pk)) == [], "a killed render left a file in storage"
            assert Release.objects.get(pk=release.pk).release_file == ""

            # Nobody sweeps by hand: beat's release-render-sweep finds the job once its heartbeat is stale.
            with celery_worker(log_path=tmp_path / "worker-2.log", **stale):
                wait_until(lambda: _job(release.pk).state in (RenderState.DONE, RenderState.FAILED), timeout=240,
                           message="the render to finish after the restart")
    finally:
        app.conf.task_always_eager = True

    done = _job(release.pk)
    swept = rf"releases\.tasks\.sweep_stale_render_jobs\[[0-9a-f-]+\] succeeded[^\n]*: \[{done.pk}\]"
    assert re.search(swept, (tmp_path / "worker-2.log").read_text()), "the render was not put back by the scheduled sweep"
    assert done.state == RenderState.DONE, done.last_error
    assert done.attempts == 2
    release = Release.objects.get(pk=release.pk)
    assert release.state == ReleaseState.IN_REVIEW
    files = _files_under(release_folder / str(release.pk))
    assert [f.name for f in files] == [Path(release.release_file.name).name]
    from media import sha256_file

    assert sha256_file(files[0]) == release.release_sha256
    assert _files_under(Path(settings.RELEASE_WORK_DIR)) == []
    # Running the finished job again changes nothing.
    assert run_render_job(done.pk) is False
    assert len(_files_under(release_folder / str(release.pk))) == 1


@pytest.mark.django_db
def test_a_render_whose_worker_is_lost_on_every_attempt_fails_and_is_audited(case, people):
    footage = make_video_footage(incident=case, uploaded_by=people.investigator)
    app.conf.task_always_eager = False  # the sweep's messages go to a broker no worker reads
    try:
        release = request_release(footage, actor=people.investigator)
        job = RenderJob.objects.get(release=release)
        for attempt in range(1, settings.RELEASE_RENDER_MAX_ATTEMPTS):
            assert claim(job.pk).attempts == attempt
            assert requeue_stale_jobs(stale_after=timedelta(0)) == [job.pk]
        assert claim(job.pk).attempts == settings.RELEASE_RENDER_MAX_ATTEMPTS
        assert requeue_stale_jobs(stale_after=timedelta(0)) == []
    finally:
        app.conf.task_always_eager = True

    job.refresh_from_db()
    assert (job.state, job.stage, job.last_error) == (RenderState.FAILED, "failed", "the worker was lost on every attempt")
    assert claim(job.pk) is None
    event = AuditEvent.objects.get(action="release.render_failed")
    assert event.outcome == AuditOutcome.FAILED
    assert event.detail == {"render_job": job.pk}
