"""Drafting the captions of a render: the transcription job, from claim to recorded transcript.

The render job records the copy and, in the same transaction, one transcription job for that
render (`queue_for_render`), sent to a worker once it commits. The job is claimed like a render
(portal/job_claims.py: a conditional UPDATE whose attempt number is the claim's token), heard on
the copy as released with the render's hidden ranges silenced again, and recorded as the render's
one Transcript. A killed worker's job goes stale and the sweep queues it again; a job that fails
on every attempt leaves an "unreadable" transcript, which a person settles on the review page, so
the release is never stuck waiting for captions that will not come.
"""

from __future__ import annotations

import logging
import shutil
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal import job_claims
from portal.audit import record_event
from portal.models import AuditOutcome

from . import captions
from .models import Release, RenderJob, RenderState, TranscriptionJob, TranscriptStatus

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10


def send(job_id: int, countdown: int | None = None) -> None:
    from .tasks import transcribe_release

    transcribe_release.apply_async((job_id,), countdown=countdown)


class TakenOver(Exception):
    """The sweep judged this worker dead and another attempt holds the job now."""


def queue_for_render(release: Release, render_job: RenderJob | None, *, rendered_at, sha256: str, hidden, duration: float,
                     has_audio: bool) -> TranscriptionJob:
    """Called in the transaction that records a render; the task is sent once it commits. One
    job per render, so calling it again returns the job already queued."""
    job, _ = TranscriptionJob.objects.get_or_create(
        release=release, rendered_at=rendered_at,
        defaults={"render_job": render_job, "release_sha256": sha256, "hidden": [list(r) for r in hidden],
                  "duration": float(duration or 0), "has_audio": has_audio},
    )
    enqueue_on_commit(job.pk)
    return job


def enqueue_on_commit(job_id: int) -> None:
    from .tasks import transcribe_release

    # robust: a broker that is down must not undo a recorded render; the sweep sends it again.
    transaction.on_commit(lambda: transcribe_release.delay(job_id), robust=True)


def active_job(release: Release) -> TranscriptionJob | None:
    """The current render's transcription while it is queued or running, for the review page."""
    if not release.rendered_at:
        return None
    return TranscriptionJob.objects.filter(
        release=release, rendered_at=release.rendered_at, state__in=[RenderState.QUEUED, RenderState.RUNNING]
    ).first()


def claim(job_id: int) -> TranscriptionJob | None:
    if not job_claims.claim(TranscriptionJob, job_id, stage="starting", last_error=""):
        return None
    return TranscriptionJob.objects.select_related("release").get(pk=job_id)


def run_transcription_job(job_id: int) -> bool:
    """Draft and record the captions of one render. Returns False when there was nothing to do
    (done, failed, held by another worker, or its render was replaced), so running it twice is
    harmless."""
    job = claim(job_id)
    if job is None:
        return False
    owned = job_claims.owned(job)
    release = job.release
    if release.rendered_at != job.rendered_at:
        # A newer render replaced this one: its own job drafts the captions people will see.
        owned.update(state=RenderState.DONE, stage="replaced by a newer render", finished_at=timezone.now())
        return False
    try:
        with job_claims.beating(owned, HEARTBEAT_SECONDS), _local_copy(release, job) as path:
            draft = captions.transcribe_render(
                path, has_audio=job.has_audio, duration=job.duration, hidden=[tuple(r) for r in job.hidden],
                progress=ProgressWriter(owned),
            )
    except TakenOver:
        return False
    except Exception as exc:
        log.exception("transcription job %s failed on attempt %s", job.pk, job.attempts)
        if job.attempts >= settings.TRANSCRIPTION_MAX_ATTEMPTS:
            _give_up(job, owned, f"failed {job.attempts} times; last error: {exc}")
        else:
            job_claims.queue_retry(job, repr(exc), send=send, stage="waiting to retry")
        return False
    return _record(job, owned, draft)


class ProgressWriter:
    """Writes the share heard to the job's row at most once a second, and stops the work when
    the job is no longer this attempt's."""

    def __init__(self, owned, *, every: float = 1.0, clock=time.monotonic):
        self.owned, self.every, self.clock = owned, every, clock
        self.last: float | None = None

    def __call__(self, fraction: float) -> None:
        now = self.clock()
        if fraction < 1.0 and self.last is not None and now - self.last < self.every:
            return
        self.last = now
        if not self.owned.update(progress=round(min(max(fraction, 0.0), 1.0), 3), stage="transcribing",
                                 heartbeat_at=timezone.now()):
            raise TakenOver()


@contextmanager
def _local_copy(release: Release, job: TranscriptionJob):
    """A local path to the release copy: the stored file itself on disk storage, else a copy."""
    storage = release.release_file.storage
    try:
        yield storage.path(release.release_file.name)
        return
    except NotImplementedError:
        pass
    work = Path(settings.RELEASE_WORK_DIR) / f"release-{release.pk}" / f"transcription-{job.pk}"
    shutil.rmtree(work, ignore_errors=True)  # whatever an earlier, killed attempt left
    work.mkdir(parents=True)
    try:
        local = work / "release.mp4"
        with storage.open(release.release_file.name, "rb") as src, open(local, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        yield str(local)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _record(job: TranscriptionJob, owned, draft: dict) -> bool:
    with transaction.atomic():
        if not owned.select_for_update().exists():
            return False  # another attempt holds the job now; its result wins
        release = Release.objects.select_for_update().get(pk=job.release_id)
        now = timezone.now()
        if release.rendered_at != job.rendered_at:
            owned.update(state=RenderState.DONE, stage="replaced by a newer render", finished_at=now, heartbeat_at=now)
            return False
        transcript = captions.record_transcript(release, job, draft)
        owned.update(state=RenderState.DONE, progress=1.0, stage="done", finished_at=now, heartbeat_at=now)
        record_event(
            actor=None, action="release.captions_drafted", target=release,
            detail={"transcription_job": job.pk, "transcript": transcript.pk, "status": transcript.status,
                    "cues": len(transcript.cues), "kept_reviewed_cues": transcript.carried_cues},
        )
    return True


def _give_up(job: TranscriptionJob, owned, message: str) -> None:
    """The draft could not be made: the job fails for good, and the render gets an "unreadable"
    transcript."""
    with transaction.atomic():
        if owned.update(state=RenderState.FAILED, stage="failed", last_error=message[:2000], finished_at=timezone.now()):
            _settle_without_draft(job, message)


def _settle_without_draft(job: TranscriptionJob, message: str) -> None:
    """A person listens and settles the captions of a render whose draft could not be made,
    instead of the release waiting for ever."""
    release = Release.objects.select_for_update().get(pk=job.release_id)
    if release.rendered_at == job.rendered_at:
        captions.record_transcript(release, job, {
            "status": TranscriptStatus.UNREADABLE, "problem": f"The captions could not be drafted: {message}"[:2000],
            "words": [], "cues": [], "engine": {},
        })
    record_event(actor=None, action="release.captions_failed", target=release, outcome=AuditOutcome.FAILED,
                 reason=message[:500], detail={"transcription_job": job.pk, "attempts": job.attempts})


def requeue_stale_jobs(*, stale_after: timedelta | None = None) -> list[int]:
    """Jobs whose worker stopped beating go back to the queue (or fail after the last attempt,
    leaving a transcript a person settles); jobs whose message was lost are sent again. Returns
    the ids sent."""
    stale_after = stale_after if stale_after is not None else timedelta(seconds=settings.TRANSCRIPTION_STALE_SECONDS)
    lost = "the worker was lost on every attempt"
    swept = job_claims.sweep(
        TranscriptionJob, timezone.now() - stale_after, max_attempts=settings.TRANSCRIPTION_MAX_ATTEMPTS, send=send,
        requeue={"stage": "requeued: worker lost"}, fail={"stage": "failed", "last_error": lost},
        on_failed=lambda job: _settle_without_draft(job, lost),
    )
    return swept["requeued"] + swept["resent"]
