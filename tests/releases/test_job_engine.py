"""Renders retry and are swept the way footage jobs are: by the one job engine (portal.job_claims),
not each by its own Celery retry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from footage import jobs as footage_jobs
from footage.models import JobKind, ProcessingJob
from portal.models import AuditEvent
from releases import rendering
from releases.models import RenderJob, RenderState
from releases.workflow import request_release
from tests.factories.releases import make_video_footage
from tests.releases.data_per_module import case, people  # noqa: F401 (made once for the module)

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued_render(case, people, no_worker):
    footage = make_video_footage(incident=case, uploaded_by=people.investigator)
    release = request_release(footage, actor=people.investigator)
    return RenderJob.objects.get(release=release)


def test_a_render_attempt_that_fails_goes_back_to_the_queue_is_sent_later_and_fails_for_good_after_the_last(
        queued_render, settings, monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(rendering, "send", lambda job_id, countdown=None: sent.append((job_id, countdown)))
    monkeypatch.setattr(rendering, "_render", lambda *args: (_ for _ in ()).throw(RuntimeError("disk full")))

    for attempt in range(1, settings.RELEASE_RENDER_MAX_ATTEMPTS):
        with django_capture_on_commit_callbacks(execute=True):
            assert rendering.run_render_job(queued_render.pk) is False
        queued_render.refresh_from_db()
        assert (queued_render.state, queued_render.attempts) == (RenderState.QUEUED, attempt)
        assert "disk full" in queued_render.last_error
    # Each retry was sent once, later than the one before.
    assert [job_id for job_id, _ in sent] == [queued_render.pk] * (settings.RELEASE_RENDER_MAX_ATTEMPTS - 1)
    delays = [countdown for _, countdown in sent]
    assert delays[0] > 0 and delays == sorted(delays) and delays[-1] > delays[0]

    assert rendering.run_render_job(queued_render.pk) is False
    queued_render.refresh_from_db()
    assert queued_render.state == RenderState.FAILED and "disk full" in queued_render.last_error
    assert AuditEvent.objects.filter(action="release.render_failed", outcome="failed").count() == 1
    assert len(sent) == settings.RELEASE_RENDER_MAX_ATTEMPTS - 1


def test_a_queued_job_whose_message_was_lost_is_sent_again_once_per_sweep_interval_not_on_every_sweep(
        queued_render, footage, monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(rendering, "send", lambda job_id, countdown=None: sent.append(("render", job_id)))
    monkeypatch.setattr(footage_jobs, "send", lambda job_id, countdown=None: sent.append(("footage", job_id)))
    an_hour_ago = timezone.now() - timedelta(hours=1)
    RenderJob.objects.filter(pk=queued_render.pk).update(created_at=an_hour_ago)
    proxy = ProcessingJob.objects.get(footage=footage, kind=JobKind.PROXY)
    ProcessingJob.objects.filter(pk=proxy.pk).update(state="queued", heartbeat_at=None, created_at=an_hour_ago)

    with django_capture_on_commit_callbacks(execute=True):
        assert rendering.requeue_stale_jobs(stale_after=timedelta(minutes=10)) == [queued_render.pk]
        assert footage_jobs.sweep_stuck_jobs()["resent"] == 1
        # A queue that is merely long is not flooded with copies: the next sweeps send nothing more.
        assert rendering.requeue_stale_jobs(stale_after=timedelta(minutes=10)) == []
        assert footage_jobs.sweep_stuck_jobs()["resent"] == 0
    assert sorted(sent) == sorted([("render", queued_render.pk), ("footage", proxy.pk)])
