"""Celery tasks for releases: an id in, a service call out. Claiming makes them safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from . import transcription

# Rendering is imported by its tasks, not here: the web image sends them without the detection
# libraries rendering needs, which only the worker image carries.


# A failed attempt is queued again by the job engine (portal.job_claims), not by Celery's retry.
@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    time_limit=settings.RELEASE_RENDER_TIME_LIMIT,
    soft_time_limit=settings.RELEASE_RENDER_TIME_LIMIT - 60,
)
def render_release(job_id: int) -> None:
    from . import rendering

    rendering.run_render_job(job_id)


@shared_task(acks_late=True, time_limit=300, soft_time_limit=240)
def sweep_stale_render_jobs() -> list[int]:
    from . import rendering

    return rendering.requeue_stale_jobs()


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    time_limit=settings.TRANSCRIPTION_TIME_LIMIT,
    soft_time_limit=settings.TRANSCRIPTION_TIME_LIMIT - 60,
)
def transcribe_release(job_id: int) -> None:
    transcription.run_transcription_job(job_id)


@shared_task(acks_late=True, time_limit=300, soft_time_limit=240)
def sweep_stale_transcription_jobs() -> list[int]:
    return transcription.requeue_stale_jobs()
