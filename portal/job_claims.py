"""Jobs whose state lives in a table (footage processing jobs, release render jobs), run by
whichever worker *claims* them.

A job model (a `JobRow`) has `state` (queued, running, done, failed), `attempts`, `started_at`, `heartbeat_at`,
`finished_at` and `progress`. Claiming is a conditional UPDATE from queued to running that counts
the attempt, so two deliveries of one task never both work; the attempt number is the claim's
token, so only the worker holding the latest claim may beat, record or fail the job. A running
job whose heartbeat stopped is taken back by the sweep: queued again, or failed on its last
attempt. What to do next (send the task, update the footage, audit) stays with each app.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import F
from django.utils import timezone

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
