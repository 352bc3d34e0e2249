"""Footage for tests: a real clip made by ffmpeg, ingested through the real ingest service (not
through tus, which has its own tests), optionally processed right away in this process."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib.auth.models import User

from footage.ingest import ingest_file
from footage.jobs import run_job
from media import make_test_clip
from footage.models import FootageItem, ProcessingJob

_CLIPS: dict[tuple, Path] = {}
CLIP_TAGS = {
    "creation_time": "2026-03-14T15:09:26Z",
    "location": "+41.4997-081.6923/",
    "make": "Axon",
    "model": "Body 4",
}


def clip_file(*, seconds: float = 2, size: tuple[int, int] = (640, 360), tags: bool = True) -> Path:
    """One clip per shape per test session; ffmpeg is fast but not free."""
    key = (seconds, size, tags)
    path = _CLIPS.get(key)
    if path is None or not path.exists():
        folder = Path(tempfile.mkdtemp(prefix="footage-clips-"))
        path = make_test_clip(folder / f"clip-{seconds}s-{size[0]}x{size[1]}.mp4", seconds=seconds, size=size,
                              metadata=CLIP_TAGS if tags else None)
        _CLIPS[key] = path
    return path


def make_footage(
    *,
    incident,
    uploaded_by: User,
    seconds: float = 2,
    size: tuple[int, int] = (640, 360),
    kind: str = "body_worn",
    process: bool = True,
    path: Path | None = None,
    filename: str | None = None,
) -> FootageItem:
    source = path or clip_file(seconds=seconds, size=size)
    item = ingest_file(
        source,
        incident=incident,
        uploaded_by=uploaded_by,
        kind=kind,
        original_filename=filename or source.name,
        device_id="BWC-0042",
    )
    if process:
        for job_id in ProcessingJob.objects.filter(footage=item).values_list("pk", flat=True):
            run_job(job_id)
        item.refresh_from_db()
    return item
