"""Celery tasks for footage: an id in, a service call out. Each is safe to run twice; the job
state that matters lives in the database (see jobs.py), not in the broker."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.models import Q
from django.utils import timezone

# Lost database connections are worth retrying; anything else is recorded on the job by run_job.
TRANSIENT = (OperationalError, InterfaceError, ConnectionError)


@shared_task(
    acks_late=True, reject_on_worker_lost=True, ignore_result=True,
    autoretry_for=TRANSIENT, retry_backoff=5, retry_backoff_max=300, max_retries=8,
    soft_time_limit=6 * 3600 - 60, time_limit=6 * 3600,
)
def run_processing_job(job_id: int) -> str:
    from .jobs import run_job

    return run_job(job_id)


# Periodic tasks name both limits: one left out inherits the global soft limit (hours), which is
# above their own hard limit, and Celery then refuses to send them (beat logged it and went on).
@shared_task(
    acks_late=True, ignore_result=True, autoretry_for=TRANSIENT, retry_backoff=5, max_retries=3,
    soft_time_limit=240, time_limit=300,
)
def sweep_stuck_jobs() -> dict:
    from .jobs import sweep_stuck_jobs as sweep

    return sweep()


@shared_task(
    acks_late=True, ignore_result=True, autoretry_for=TRANSIENT, retry_backoff=5, max_retries=3,
    soft_time_limit=540, time_limit=600,
)
def expire_uploads() -> int:
    from .uploads import expire_uploads as expire

    return expire()


@shared_task(
    acks_late=True, reject_on_worker_lost=True, ignore_result=True,
    autoretry_for=TRANSIENT, retry_backoff=30, max_retries=5,
    soft_time_limit=3 * 3600 - 60, time_limit=3 * 3600,
)
def verify_footage(item_id: int, reason: str = "scheduled fixity check") -> bool | None:
    from .custody import verify_original
    from .models import FootageItem

    item = FootageItem.objects.filter(pk=item_id).first()
    if item is None:
        return None
    # Twice-delivered messages of one cycle verify once.
    recent = timezone.now() - timedelta(hours=fixity_interval_hours() / 2)
    if reason == "scheduled fixity check" and item.last_verified_at and item.last_verified_at > recent:
        return item.last_verification_ok
    return verify_original(item, actor=None, reason=reason)


@shared_task(
    acks_late=True, ignore_result=True, autoretry_for=TRANSIENT, retry_backoff=5, max_retries=3,
    soft_time_limit=540, time_limit=600,
)
def start_fixity_cycle() -> int:
    """Queue a re-hash of every original not verified within FIXITY_INTERVAL_HOURS."""
    from .models import FootageItem

    due = timezone.now() - timedelta(hours=fixity_interval_hours())
    ids = list(
        FootageItem.objects.filter(Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=due)).values_list("pk", flat=True)
    )
    for item_id in ids:
        verify_footage.delay(item_id)
    return len(ids)


def fixity_interval_hours() -> float:
    return float(settings.FIXITY_INTERVAL_HOURS)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True, autoretry_for=TRANSIENT, retry_backoff=5,
             max_retries=8, soft_time_limit=3600 - 60, time_limit=3600)
def run_deletion_batch(batch_id: int) -> dict:
    from .deletion import run_batch

    return run_batch(batch_id)


@shared_task(
    acks_late=True, ignore_result=True, autoretry_for=TRANSIENT, retry_backoff=5, max_retries=3,
    soft_time_limit=1800 - 60, time_limit=1800,
)
def run_retention() -> dict:
    """Daily: list what fell due for a records officer, and finish batches a dead worker left."""
    from .deletion import propose_batch, resume_approved_batches

    batch = propose_batch()
    return {"proposed": batch.pk if batch else None, "resumed": resume_approved_batches()}
