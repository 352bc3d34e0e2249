import socket

from celery import shared_task
from django.db.models import F
from django.utils import timezone

from .models import WorkerHeartbeat


@shared_task(ignore_result=True, time_limit=30, soft_time_limit=25)
def record_worker_heartbeat() -> None:
    """Proves a worker is alive and reading the broker: the staff home page shows the result."""
    name = f"{socket.gethostname()}"
    updated = WorkerHeartbeat.objects.filter(worker=name).update(last_seen=timezone.now(), tasks_run=F("tasks_run") + 1)
    if not updated:
        WorkerHeartbeat.objects.get_or_create(worker=name, defaults={"last_seen": timezone.now(), "tasks_run": 1})


@shared_task(ignore_result=True, time_limit=300, soft_time_limit=240)
def sign_audit_checkpoint() -> None:
    """Daily anchor of the audit and custody chains outside the database (portal.checkpoints)."""
    from .checkpoints import sign_checkpoint

    sign_checkpoint()
