"""Processing jobs: claimed once, retried after a failure, failed with the error after the last
attempt, and found again by the sweeper when their worker goes silent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from footage import jobs
from media import ProcessingError
from footage.models import FootageStatus, JobKind, JobState, ProcessingJob
from tests.factories.footage import make_footage

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(people, case):
    return make_footage(incident=case, uploaded_by=people.reporter, seconds=1, size=(320, 180), process=False)


def _job(item, kind=JobKind.POSTER) -> ProcessingJob:
    return ProcessingJob.objects.get(footage=item, kind=kind)


def test_a_job_is_claimed_by_one_runner_only(item):
    job = _job(item)

    assert jobs.claim_job(job.pk) is not None
    assert jobs.claim_job(job.pk) is None


def test_a_failing_job_is_requeued_then_failed_with_its_error_after_the_last_attempt(item, monkeypatch, settings):
    settings.FOOTAGE_JOB_MAX_ATTEMPTS = 2

    def broken(*args, **kwargs):
        raise ProcessingError("tool_failed", "ffmpeg could not read the frame")

    monkeypatch.setattr(jobs, "make_poster", broken)
    job = _job(item)

    assert jobs.run_job(job.pk) == "requeued"
    job.refresh_from_db()
    assert (job.state, job.attempts, job.last_error) == (JobState.QUEUED, 1, "ffmpeg could not read the frame")

    assert jobs.run_job(job.pk) == "failed"
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.FAILED, 2)
    for other in item.jobs.exclude(pk=job.pk):
        jobs.run_job(other.pk)
    item.refresh_from_db()
    assert item.status == FootageStatus.PROCESSING_FAILED
    assert not item.poster


def test_the_sweeper_requeues_a_job_whose_worker_went_silent_and_fails_it_after_the_last_attempt(item, settings):
    settings.FOOTAGE_JOB_MAX_ATTEMPTS = 2
    job = _job(item, JobKind.PROXY)
    jobs.claim_job(job.pk)
    later = timezone.now() + jobs.stale_after() + timedelta(seconds=1)

    assert jobs.sweep_stuck_jobs(now=timezone.now())["requeued"] == 0
    assert jobs.sweep_stuck_jobs(now=later)["requeued"] == 1
    job.refresh_from_db()
    assert job.state == JobState.QUEUED

    jobs.claim_job(job.pk)
    assert jobs.sweep_stuck_jobs(now=later + jobs.stale_after() * 2)["failed"] == 1
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "stopped responding" in job.last_error


def test_a_taken_over_job_stops_without_writing(item):
    job = jobs.claim_job(_job(item, JobKind.PROXY).pk)
    heartbeat = jobs.Heartbeat(job)
    ProcessingJob.objects.filter(pk=job.pk).update(state=JobState.QUEUED)

    with pytest.raises(jobs.JobCancelled):
        heartbeat(0.5)


def test_a_failed_job_can_be_given_fresh_attempts(item, settings):
    settings.FOOTAGE_JOB_MAX_ATTEMPTS = 1
    job = _job(item)
    ProcessingJob.objects.filter(pk=job.pk).update(state=JobState.FAILED, attempts=1, last_error="boom")

    assert jobs.retry_failed_job(job) is True
    assert jobs.run_job(job.pk) == "done"
    item.refresh_from_db()
    assert item.poster
