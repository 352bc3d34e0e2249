"""Jobs whose state lives in a table (footage processing jobs, release render jobs), run by
whichever worker *claims* them.

A job model (a `JobRow`) has `state` (queued, running, done, failed), `attempts`, `started_at`, `heartbeat_at`,
`finished_at` and `progress`. Claiming is a conditional UPDATE from queued to running that counts
the attempt, so two deliveries of one task never both work; the attempt number is the claim's
token, so only the worker holding the latest claim may beat, record or fail the job. A running
job whose heartbeat stopped is taken back by the sweep: queued again, or failed on its last
attempt; a queued job whose message was lost is sent again. An attempt that failed for a reason
worth another try goes back to the queue and is sent again after a growing delay. What a job does,
and what failing for good means for its object (the footage's status, an audit event), stays with
each app, which passes it in.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import partial

from django.db import connection, models, transaction
from django.db.models import F, Q
from django.utils import timezone

log = logging.getLogger(__name__)

# Sends a job's task: `send(job_id, countdown=None)`.
Send = Callable[..., object]


class JobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


QUEUED, RUNNING, FAILED = JobState.QUEUED, JobState.RUNNING, JobState.FAILED


class JobRow(models.Model):
    """The fields every claimed job has; each app's job model adds what it works on."""

    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress = models.FloatField(default=0.0)
    last_error = models.TextField(blank=True)

    class Meta:
        abstract = True


def claim(model: type[models.Model], job_id: int, **also) -> bool:
    now = timezone.now()
    return bool(
        model.objects.filter(pk=job_id, state=QUEUED).update(
            state=RUNNING, attempts=F("attempts") + 1, started_at=now, heartbeat_at=now, progress=0.0, **also
        )
    )


def owned(job: models.Model) -> models.QuerySet:
    """The job, for as long as the attempt that loaded it still holds it."""
    return type(job).objects.filter(pk=job.pk, state=RUNNING, attempts=job.attempts)


def stale(model: type[models.Model], cutoff: datetime) -> models.QuerySet:
    return model.objects.filter(state=RUNNING, heartbeat_at__lt=cutoff)


def take_back(job: models.Model, cutoff: datetime, *, max_attempts: int, requeue: dict, fail: dict) -> str | None:
    """Queue a stale job again ("requeued"), or fail it after its last attempt ("failed");
    None when it beat again or moved on since it was read."""
    still_stale = owned(job).filter(heartbeat_at__lt=cutoff)
    if job.attempts >= max_attempts:
        return "failed" if still_stale.update(state=FAILED, **fail) else None
    return "requeued" if still_stale.update(state=QUEUED, **requeue) else None


def retry_delay(attempts: int) -> int:
    """Seconds before a failed attempt is tried again: doubling from ten, at most ten minutes."""
    return min(600, 10 * 2 ** max(0, attempts - 1))


def queue_retry(job: models.Model, message: str, *, send: Send, **also) -> bool:
    """After an attempt failed for a reason another attempt may not meet: the job goes back to the
    queue, and its task is sent after `retry_delay` once the caller's transaction commits. False
    when this attempt no longer holds the job."""
    if not owned(job).update(state=QUEUED, last_error=message[:2000], heartbeat_at=timezone.now(), **also):
        return False
    transaction.on_commit(partial(send, job.pk, countdown=retry_delay(job.attempts)), robust=True)
    return True


@contextmanager
def beating(job_owned: models.QuerySet, every: float) -> Iterator[None]:
    """Touch the job from a side thread while it runs, so a long step that reports no progress does
    not look like a dead worker."""
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(every):
                job_owned.update(heartbeat_at=timezone.now())
        except Exception:  # a missed beat only risks a second attempt, which the claim's token guards
            log.exception("job heartbeat failed")
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name="job-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every + 5)


def sweep(
    model: type[models.Model],
    cutoff: datetime,
    *,
    now: datetime | None = None,
    max_attempts: int,
    send: Send,
    requeue: dict | None = None,
    fail: dict | None = None,
    lock: Callable[[models.Model], object] | None = None,
    on_failed: Callable[[models.Model], None] | None = None,
) -> dict[str, list[int]]:
    """Running jobs whose heartbeat stopped before `cutoff` go back to the queue, or fail after
    their last attempt (`on_failed(job)` then runs in the same transaction, after `lock(job)` took
    whatever the app locks before its jobs); queued jobs not sent since `cutoff` (a message lost
    with a broker) are sent again, once per `cutoff` interval. Safe to run twice."""
    now = now or timezone.now()
    swept: dict[str, list[int]] = {"requeued": [], "failed": [], "resent": []}
    for job in stale(model, cutoff):
        with transaction.atomic():
            if lock is not None:
                lock(job)
            outcome = take_back(job, cutoff, max_attempts=max_attempts,
                                requeue={"heartbeat_at": now, **(requeue or {})}, fail={"finished_at": now, **(fail or {})})
            if outcome == "failed" and on_failed is not None:
                on_failed(job)
            elif outcome == "requeued":
                transaction.on_commit(partial(send, job.pk), robust=True)
            if outcome:
                swept[outcome].append(job.pk)
    not_sent_since = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    for job_id in model.objects.filter(not_sent_since, state=QUEUED).values_list("pk", flat=True):
        with transaction.atomic():
            if model.objects.filter(not_sent_since, pk=job_id, state=QUEUED).update(heartbeat_at=now):
                transaction.on_commit(partial(send, job_id), robust=True)
                swept["resent"].append(job_id)
    return swept
