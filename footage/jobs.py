"""Processing jobs: poster, thumbnail strip and web proxy of each item, with their state in the
database so that nothing is lost when a worker dies.

A job is run by whoever *claims* it (portal/job_claims.py): a conditional UPDATE from queued to
running, so two deliveries of the same task never both work. A running job beats its heartbeat as
it advances; the sweeper (Celery beat) puts a job whose heartbeat went stale back in the queue, or
marks it failed after FOOTAGE_JOB_MAX_ATTEMPTS. Outputs are made in a per-job work folder (cleared
on every attempt, so a killed attempt's partial files go with it) and then stored under a fixed
name per item, replacing whatever an earlier, unrecorded attempt left: there is only ever one
proxy.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Iterator

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from portal import job_claims

from media import MediaError, make_poster, make_proxy, make_thumbnail_strip, probe_media, sha256_file
from .models import CustodyAction, FootageItem, FootageStatus, JobKind, JobState, ProcessingJob

log = logging.getLogger(__name__)

HEARTBEAT_EVERY = 1.0


def max_attempts() -> int:
    return settings.FOOTAGE_JOB_MAX_ATTEMPTS


def stale_after() -> timedelta:
    return timedelta(seconds=settings.FOOTAGE_JOB_STALE_SECONDS)


def work_root() -> Path:
    return Path(settings.FOOTAGE_WORK_DIR)


class JobCancelled(Exception):
    """The job was taken from this worker (the sweeper judged it dead); stop without writing."""


# ---- creating and enqueueing -------------------------------------------------------------------


def create_processing_jobs(item: FootageItem) -> list[ProcessingJob]:
    """Called inside the ingest transaction; the tasks are sent only once it commits."""
    kinds = [JobKind.POSTER, JobKind.STRIP, JobKind.PROXY] if item.is_video else [JobKind.POSTER]
    jobs = [ProcessingJob.objects.create(footage=item, kind=kind) for kind in kinds]
    for job in jobs:
        enqueue_on_commit(job.pk)
    return jobs


def send(job_id: int, countdown: int | None = None) -> None:
    from .tasks import run_processing_job

    run_processing_job.apply_async((job_id,), countdown=countdown)


def enqueue_on_commit(job_id: int) -> None:
    # robust: a broker that is down must not turn a committed ingest into an error for the
    # uploader; the sweeper sends queued jobs again whose message never left.
    transaction.on_commit(partial(send, job_id), robust=True)


# ---- running -----------------------------------------------------------------------------------


def claim_job(job_id: int) -> ProcessingJob | None:
    if not job_claims.claim(ProcessingJob, job_id):
        return None
    return ProcessingJob.objects.select_related("footage").get(pk=job_id)


@dataclass
class Heartbeat:
    job: ProcessingJob
    last: float = field(default=0.0)

    def __call__(self, fraction: float) -> None:
        if time.monotonic() - self.last < HEARTBEAT_EVERY and fraction < 1.0:
            return
        still_ours = job_claims.owned(self.job).update(progress=round(fraction, 4), heartbeat_at=timezone.now())
        if not still_ours:
            raise JobCancelled(f"job {self.job.pk} was taken over")
        self.last = time.monotonic()


@dataclass
class Derived:
    field: str
    name: str
    sha256: str
    detail: dict


def run_job(job_id: int) -> str:
    """Run one job if it can be claimed; returns what happened (for logs and tests)."""
    job = claim_job(job_id)
    if job is None:
        return "not claimed"
    try:
        derived = _derive(job, Heartbeat(job))
    except JobCancelled:
        return "cancelled"
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the job, then retried or failed
        log.exception("footage job %s (%s of item %s) failed", job.pk, job.kind, job.footage_id)
        return _after_failure(job, exc)
    _complete(job, derived)
    return "done"


def _derive(job: ProcessingJob, heartbeat: Heartbeat) -> Derived:
    item = job.footage
    workdir = work_root() / f"job-{job.pk}"
    # Whatever a killed attempt left here (a `.part` file) is not worth keeping.
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    try:
        with local_original(item) as src:
            info = probe_media(src, verify_end=False, max_bytes=max(settings.MAX_UPLOAD_SIZE, item.size))
            heartbeat(0.0)
            if job.kind == JobKind.PROXY:
                result = make_proxy(src, workdir / "proxy.mp4", info=info, progress=heartbeat)
                out, name = result.path, f"proxies/{item.public_id}.mp4"
                detail = {"kind": "proxy", "width": result.width, "height": result.height, "size": result.size,
                          "format": "H.264/AAC MP4, faststart"}
            elif job.kind == JobKind.POSTER:
                result = make_poster(src, workdir / "poster.jpg", info=info)
                out, name = result.path, f"posters/{item.public_id}.jpg"
                detail = {"kind": "poster", "width": result.width, "height": result.height}
            else:
                result = make_thumbnail_strip(src, workdir / "strip.jpg", info=info)
                out, name = result.path, f"strips/{item.public_id}.jpg"
                detail = {"kind": "thumbnail_strip", "width": result.width, "height": result.height, "tiles": result.count}
        digest = sha256_file(out)
        field_name = {JobKind.PROXY: "proxy", JobKind.POSTER: "poster", JobKind.STRIP: "thumbnail_strip"}[job.kind]
        # The field's own storage, so the file lands where the record will read it from.
        storage = FootageItem._meta.get_field(field_name).storage
        if storage.exists(name):
            # Left by an attempt that died after storing but before recording; ours to replace.
            storage.delete(name)
        with open(out, "rb") as f:
            stored = storage.save(name, File(f))
        return Derived(field_name, stored, digest, {**detail, "stored_as": stored})
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def local_original(item: FootageItem) -> Iterator[Path]:
    """A local path to read the original from: the file itself on disk storage, else a temporary
    copy (S3). Only ever opened for reading."""
    storage = item.original.storage
    try:
        yield Path(storage.path(item.original.name))
        return
    except NotImplementedError:
        pass
    work_root().mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=work_root(), suffix=Path(item.original.name).suffix) as tmp:
        with storage.open(item.original.name, "rb") as src:
            shutil.copyfileobj(src, tmp, 1024 * 1024)
        tmp.flush()
        yield Path(tmp.name)


def _complete(job: ProcessingJob, derived: Derived) -> None:
    from .custody import record_custody

    with transaction.atomic():
        item = FootageItem.objects.select_for_update().get(pk=job.footage_id)
        mine = job_claims.owned(job).update(
            state=JobState.DONE, progress=1.0, finished_at=timezone.now(), heartbeat_at=timezone.now(), last_error=""
        )
        if not mine:
            return
        setattr(item, derived.field, derived.name)
        updates = [derived.field]
        if derived.field == "proxy":
            item.proxy_sha256 = derived.sha256
            updates.append("proxy_sha256")
        if derived.field == "thumbnail_strip":
            item.strip_tile_count = derived.detail.get("tiles", 0)
            updates.append("strip_tile_count")
        item.save(update_fields=updates)
        record_custody(item, CustodyAction.DERIVED, actor=None, detail=derived.detail, derived_sha256=derived.sha256)
        _refresh_status(item)


def _after_failure(job: ProcessingJob, exc: Exception) -> str:
    message = exc.message if isinstance(exc, MediaError) else f"{type(exc).__name__}: {exc}"
    with transaction.atomic():
        item = FootageItem.objects.select_for_update().get(pk=job.footage_id)
        if job.attempts >= max_attempts():
            job_claims.owned(job).update(state=JobState.FAILED, last_error=message[:2000], finished_at=timezone.now())
            _refresh_status(item)
            return "failed"
        job_claims.queue_retry(job, message, send=send)
    return "requeued"


def _refresh_status(item: FootageItem) -> None:
    states = set(ProcessingJob.objects.filter(footage=item).values_list("state", flat=True))
    if states <= {JobState.DONE}:
        status = FootageStatus.READY
    elif JobState.FAILED in states and not states & {JobState.QUEUED, JobState.RUNNING}:
        status = FootageStatus.PROCESSING_FAILED
    else:
        status = FootageStatus.PROCESSING
    if item.status != status:
        FootageItem.objects.filter(pk=item.pk).update(status=status)
        item.status = status


# ---- finding jobs again ------------------------------------------------------------------------


def sweep_stuck_jobs(now=None) -> dict[str, int]:
    """Running jobs whose heartbeat stopped go back to the queue (or fail after the last
    attempt); queued jobs whose message was lost are sent again. Both are safe to repeat."""
    now = now or timezone.now()
    swept = job_claims.sweep(
        ProcessingJob, now - stale_after(), now=now, max_attempts=max_attempts(), send=send,
        requeue={"last_error": "The worker stopped responding; running it again."},
        fail={"last_error": "The worker stopped responding on every attempt; giving up."},
        lock=lambda job: FootageItem.objects.select_for_update().get(pk=job.footage_id),
        on_failed=lambda job: _refresh_status(FootageItem.objects.get(pk=job.footage_id)),
    )
    return {outcome: len(ids) for outcome, ids in swept.items()}


def retry_failed_job(job: ProcessingJob) -> bool:
    """Give a failed job a fresh set of attempts (an operator's action after fixing the cause)."""
    with transaction.atomic():
        if not ProcessingJob.objects.filter(pk=job.pk, state=JobState.FAILED).update(state=JobState.QUEUED, attempts=0, heartbeat_at=None):
            return False
        FootageItem.objects.filter(pk=job.footage_id).update(status=FootageStatus.PROCESSING)
        enqueue_on_commit(job.pk)
    return True
