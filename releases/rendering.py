"""Rendering a release copy: the work a render job does, from claim to stored file.

A job is claimed with a conditional UPDATE (queued -> running, attempts + 1; see
portal/job_claims.py); the attempt number is the claim's token, so only the worker holding the
latest claim may record a result. Rendering happens in a private work folder that each attempt
empties first; the finished copy reaches storage by an atomic rename (or a single object PUT on
S3), and only then does the release point at it. A worker killed at any moment therefore leaves no
partial file under the release's name, and its job goes stale, is queued again by the sweeper and
renders from the start.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import time
import uuid
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from footage.jobs import local_original
from media import sha256_file
from portal import job_claims
from redaction import MediaError, RedactionError, TrackMark, redact_video, scan_for_unhidden_faces
from redaction.manual_tracking import track_regions
from redaction.check import check_report, finding_ranges, split_spared_findings
from portal.audit import record_event
from portal.models import AuditOutcome

from . import credentials, transcription
from .errors import ReleaseError
from .models import ChangeKind, RedactionChange, Release, ReleaseState, RenderJob, RenderState
from .review import change_label, source_geometry
from .workflow import apply_release_transition

log = logging.getLogger(__name__)

PARTIAL_PREFIX = ".partial-"


@functools.lru_cache(maxsize=2)
def face_detector(fast: bool = True):
    """One detector of each kind per worker process: loading the model costs about a second, and
    the fast one keeps the input shapes it has compiled for the next render. The check on the
    release copy runs in float32 (`fast=False`), not in the render's bfloat16."""
    from redaction.detector import FaceDetector

    return FaceDetector(threads=1, fast=fast)


def send(job_id: int, countdown: int | None = None) -> None:
    from .tasks import render_release

    render_release.apply_async((job_id,), countdown=countdown)


def release_storage():
    return Release._meta.get_field("release_file").storage


def release_folder(release_id: int) -> str:
    return f"releases/{release_id}"


def work_folder(job: RenderJob) -> Path:
    return Path(settings.RELEASE_WORK_DIR) / f"release-{job.release_id}" / f"job-{job.pk}"


def pipeline_inputs(release: Release) -> dict:
    """The reviewer's changes that take effect, in the pipeline's terms."""
    changes = [c for c in RedactionChange.objects.filter(release=release) if c.takes_effect]
    audio = [c for c in changes if c.kind in (ChangeKind.MUTE, ChangeKind.BLEEP)]
    return {
        "extra_regions": [
            {"id": change_label(c), "keyframes": c.keyframes, "start_frame": c.start_frame, "end_frame": c.end_frame, "reason": c.reason}
            for c in changes
            if c.kind == ChangeKind.MANUAL
        ],
        # Automatic tracks left unhidden, by where they were in the render the reviewer saw.
        "suppressed": [{"id": change_label(c), "frames": c.track_frames} for c in changes if c.is_track_mark],
        "mute_ranges": sorted((c.start_seconds, c.end_seconds) for c in audio if c.kind == ChangeKind.MUTE),
        "bleep_ranges": sorted((c.start_seconds, c.end_seconds) for c in audio if c.kind == ChangeKind.BLEEP),
        "change_ids": sorted(c.pk for c in changes),
        # Confirmed decisions to leave a person visible: the second check does not flag them.
        "do_not_redact": [change_label(c) for c in changes if c.kind == ChangeKind.DO_NOT_REDACT],
    }


def claim(job_id: int) -> RenderJob | None:
    if not job_claims.claim(RenderJob, job_id, stage="starting", last_error=""):
        return None
    return RenderJob.objects.select_related("release__footage", "release__incident").get(pk=job_id)


def run_render_job(job_id: int) -> bool:
    """Render, check and store the release copy of one job. Returns False when there was nothing
    to do (the job is done, failed, or held by another worker), so running it twice is harmless."""
    job = claim(job_id)
    if job is None:
        return False
    owned = job_claims.owned(job)
    release = job.release
    try:
        if release.state == ReleaseState.REQUESTED:
            apply_release_transition(release, "start_redaction", actor=None)
        with job_claims.beating(owned, settings.RELEASE_RENDER_HEARTBEAT_SECONDS):
            _render(job, release, owned)
    except ReleaseError as exc:
        # The release moved on (say, withheld) while the job waited; there is nothing to render for.
        _give_up(job, owned, f"not rendered: {exc.message}")
        return False
    except (RedactionError, MediaError, ValueError) as exc:
        _give_up(job, owned, f"the footage could not be redacted: {exc}")
        return False
    except Exception as exc:
        log.exception("render job %s failed on attempt %s", job.pk, job.attempts)
        if job.attempts >= settings.RELEASE_RENDER_MAX_ATTEMPTS:
            _give_up(job, owned, f"failed {job.attempts} times; last error: {exc!r}")
        else:
            job_claims.queue_retry(job, repr(exc), send=send, stage="waiting to retry")
        return False
    finally:
        shutil.rmtree(work_folder(job), ignore_errors=True)
    return True


def _render(job: RenderJob, release: Release, owned) -> None:
    work = work_folder(job)
    shutil.rmtree(work, ignore_errors=True)  # whatever an earlier, killed attempt left
    work.mkdir(parents=True)
    inputs = pipeline_inputs(release)
    out = work / "release.mp4"
    report = ProgressWriter(owned, int(source_geometry(release)["frames"] or 0))

    with local_original(release.footage) as source:
        result = redact_video(
            source, out, mode=release.mode, extra_regions=track_regions(source, inputs["extra_regions"]),
            suppressed=[TrackMark.from_frames(m["id"], m["frames"]) for m in inputs["suppressed"]], mute_ranges=inputs["mute_ranges"],
            bleep_ranges=inputs["bleep_ranges"],
            progress=lambda fraction: report("redacting", fraction), detector=face_detector(),
        )
    log = result.log
    report.frames_total = log.frames or report.frames_total
    report("checking", 0.0, force=True)
    fps = log.fps or 30
    scanned = scan_for_unhidden_faces(out, detector=face_detector(fast=False), hidden_tracks=log.tracks,
                                      progress=lambda fraction: report("checking", fraction))
    # A face two officers agreed to leave visible (an agent acting in public) is not a finding.
    confirmed = set(inputs["do_not_redact"])
    scanned, explained = split_spared_findings(
        scanned, log.tracks,
        [TrackMark.from_frames(m["id"], m["frames"]) for m in inputs["suppressed"] if m["id"] in confirmed],
    )
    findings = reviewable_findings(scanned, fps)
    # The captions are drafted by a job of their own once the copy is recorded, from the copy as
    # released: these hidden ranges are silent in it, and are silenced again before it is heard.
    transcription_input = {
        "hidden": sorted(inputs["mute_ranges"] + inputs["bleep_ranges"]), "has_audio": bool(release.footage.audio_codec),
        "duration": float(release.footage.duration or (log.frames / log.fps if log.fps else 0)),
    }
    # Credentials go in before hashing: the public SHA-256 is of the file people download. The
    # rendered copy stays as it was, so a retry signs the same bytes again.
    signed = work / "release-signed.mp4"
    credentials.embed(release, out, signed, log=log, inputs=inputs)
    out = signed
    sha256 = sha256_file(out)
    size = out.stat().st_size
    report("storing", 0.0, force=True)
    name = _store(release, job, out, sha256)

    # The release keeps the log without the worker's timings and paths, with what the release adds.
    redaction_log = replace(
        log,
        input={k: v for k, v in log.input.items() if k != "path"},
        timings={},
        extra={
            **log.extra,
            "review_change_ids": inputs["change_ids"],
            "check_left_unhidden_by_decision": [
                {"frame": frame, "box": list(box), "score": score, "decision": mark} for (frame, box, score), mark in explained
            ],
            "check": check_report(detector=face_detector(fast=False)),
            "render_job": job.pk,
            "captions": {"drafted_by": "the transcription job, from this copy"},
        },
    ).as_dict()
    now = timezone.now()
    try:
        _record_render(release, job, owned, name=name, sha256=sha256, size=size, log=redaction_log, findings=findings, now=now,
                       transcription_input=transcription_input)
    except ReleaseError:
        # The release left "redacting" meanwhile: the copy belongs to nothing.
        _remove_other_files(release.pk, keep=None, only=name)
        raise


def reviewable_findings(scanned, fps: float) -> list[dict]:
    """One finding per face left visible over a run of frames, not one per frame the check looked
    at: the reviewer fixes or clears a leak once."""
    return [
        {"frame": run["first"], "last": run["last"], "frames": run["frames"], "seconds": round(run["first"] / fps, 3),
         "until_seconds": round(run["last"] / fps, 3), "box": run["box"], "score": run["score"]}
        for run in finding_ranges(scanned)
    ]


def _record_render(release, job, owned, *, name, sha256, size, log, findings, now, transcription_input) -> None:
    with transaction.atomic():
        if not owned.select_for_update().exists():
            # Another worker re-claimed this job after ours went quiet; its result wins.
            transaction.on_commit(lambda: _remove_other_files(release.pk, keep=None, only=name))
            return
        apply_release_transition(
            release, "finish_redaction", actor=None,
            fields={
                "release_file": name, "release_sha256": sha256, "release_size": size,
                "redaction_log": log, "pipeline_version": log["pipeline_version"],
                "model_sha256": log["detector"]["model_sha256"], "rendered_at": now,
                "check_findings": findings, "check_completed_at": now, "check_cleared_by": None,
            },
        )
        transcription.queue_for_render(release, job, rendered_at=now, sha256=sha256, **transcription_input)
        owned.update(state=RenderState.DONE, progress=1.0, stage="done", finished_at=now, heartbeat_at=now, seconds_left=0,
                     frames_done=F("frames_total"))
        from footage.custody import record_custody

        record_custody(
            release.footage, "derived", actor=None, derived_sha256=sha256,
            detail={"release": release.pk, "render_job": job.pk, "file": name, "unhidden_face_findings": len(findings)},
        )
        transaction.on_commit(lambda: _remove_other_files(release.pk, keep=name))


class ProgressWriter:
    """Writes a running job's progress to its row at most once a second (the pipeline reports far
    more often): the share done, frames done of the stage's total, and an estimate of the time left."""

    # Each stage's share of the whole job, by how long it usually takes.
    STAGES = {"redacting": (0.0, 0.8), "checking": (0.8, 0.15), "storing": (0.95, 0.05)}

    def __init__(self, owned, frames_total: int, *, every: float = 1.0, clock=time.monotonic):
        self.owned, self.frames_total, self.every, self.clock = owned, frames_total, every, clock
        self.started = clock()
        self.last: float | None = None

    def __call__(self, stage: str, fraction: float, *, force: bool = False) -> None:
        now = self.clock()
        fraction = min(max(fraction, 0.0), 1.0)
        if not force and fraction < 1.0 and self.last is not None and now - self.last < self.every:
            return
        self.last = now
        start, share = self.STAGES[stage]
        overall = start + share * fraction
        elapsed = now - self.started
        # Too early to say until a few percent are done.
        left = round(elapsed * (1 - overall) / overall) if overall >= 0.02 else None
        self.owned.update(
            progress=round(overall, 3), stage=stage, frames_done=round(fraction * self.frames_total),
            frames_total=self.frames_total, seconds_left=left, heartbeat_at=timezone.now(),
        )


def _store(release: Release, job: RenderJob, rendered: Path, sha256: str) -> str:
    storage = release_storage()
    name = f"{release_folder(release.pk)}/release-{release.pk}-r{job.pk}-{sha256[:12]}.mp4"
    try:
        final = Path(storage.path(name))
    except NotImplementedError:
        # An object store writes an object whole or not at all.
        if storage.exists(name):
            storage.delete(name)
        with open(rendered, "rb") as f:
            saved = storage.save(name, File(f))
        if saved != name:
            raise RuntimeError(f"storage saved {saved!r} instead of {name!r}")
        return name
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f"{PARTIAL_PREFIX}{job.pk}-{uuid.uuid4().hex}.mp4"
    try:
        with open(rendered, "rb") as src, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    return name


def _remove_other_files(release_id: int, *, keep: str | None, only: str | None = None) -> None:
    """Earlier renders and partial files of killed attempts: once a render is recorded, the
    release's folder holds exactly its one file."""
    storage = release_storage()
    folder = release_folder(release_id)
    try:
        _, files = storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        return
    for filename in files:
        name = f"{folder}/{filename}"
        if name == keep or (only is not None and name != only):
            continue
        try:
            storage.delete(name)
        except OSError:
            log.warning("could not remove %s", name)


def _give_up(job: RenderJob, owned, message: str) -> None:
    owned.update(state=RenderState.FAILED, stage="failed", last_error=message[:2000], finished_at=timezone.now())
    record_event(
        actor=None, action="release.render_failed", target=job.release, outcome=AuditOutcome.FAILED, reason=message[:500],
        detail={"render_job": job.pk, "attempts": job.attempts},
    )


def requeue_stale_jobs(*, stale_after: timedelta | None = None) -> list[int]:
    """Jobs whose worker stopped beating go back to the queue; jobs whose message was lost are
    sent again. Returns the ids sent."""
    stale_after = stale_after if stale_after is not None else timedelta(seconds=settings.RELEASE_RENDER_STALE_SECONDS)
    lost = "the worker was lost on every attempt"
    swept = job_claims.sweep(
        RenderJob, timezone.now() - stale_after, max_attempts=settings.RELEASE_RENDER_MAX_ATTEMPTS, send=send,
        requeue={"stage": "requeued: worker lost"}, fail={"stage": "failed", "last_error": lost},
        on_failed=lambda job: record_event(actor=None, action="release.render_failed", target=job.release,
                                           outcome=AuditOutcome.FAILED, reason=lost, detail={"render_job": job.pk}),
    )
    return swept["requeued"] + swept["resent"]
