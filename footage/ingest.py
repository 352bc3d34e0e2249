"""Turning a complete, verified file into a FootageItem: the one way an original enters evidence.

The original is stored once, in the "evidence" storage under a fresh key (never over an existing
one), and the item, its first two custody entries and its processing jobs are written in one
transaction. If that transaction fails, the stored copy is taken back out (moved back to where the
upload was, when it was moved), so there is never an item without its file or a file without its
item, and the received bytes are not lost.
"""

from __future__ import annotations

import os
import uuid
from datetime import timezone as dt_timezone
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.utils import timezone

from portal.audit import record_event
from portal.models import AuditOutcome

from .access import can_upload_to
from .custody import record_custody
from .jobs import create_processing_jobs
from media import MediaInfo, probe_media, sha256_file
from .models import CustodyAction, FootageItem, FootageKind, Upload, UploadState

EXTENSIONS = {
    "mp4": ".mp4", "mov": ".mov", "matroska": ".mkv", "webm": ".webm", "avi": ".avi", "mpegts": ".ts",
    "jpeg": ".jpg", "png": ".png", "webp": ".webp", "heic": ".heic", "avif": ".avif",
}


class IngestRefused(PermissionError):
    pass


class IngestError(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code, self.detail = code, detail


class _MovableFile(File):
    """Lets FileSystemStorage move the file into place (one rename on the same disk) instead of
    copying gigabytes; other storages read it like any file."""

    def temporary_file_path(self) -> str:
        return self.file.name


def ingest_file(
    path: str | os.PathLike[str],
    *,
    incident,
    uploaded_by,
    kind: str,
    original_filename: str,
    device_id: str = "",
    sha256: str | None = None,
    info: MediaInfo | None = None,
    upload: Upload | None = None,
    move: bool = False,
    request=None,
    hash_how: str = "",
) -> FootageItem:
    """Store `path` as a new original of `incident`. `sha256`/`info` are what the caller already
    verified (the upload path computed both, and says how in `hash_how` for the chain of custody);
    otherwise they are computed here. Raises
    IngestRefused, IngestError, or media.MediaRejected for an unacceptable file."""
    path = Path(path)
    if not can_upload_to(uploaded_by, incident):
        record_event(
            actor=uploaded_by, action="footage.ingest_refused", target=incident, outcome=AuditOutcome.REFUSED,
            reason="may not add evidence to this incident", request=request,
        )
        raise IngestRefused("You may not add footage to this incident.")
    if kind not in FootageKind.values:
        raise IngestError("bad_kind", f"kind must be one of {', '.join(FootageKind.values)}.")
    info = info or probe_media(path, max_bytes=settings.MAX_UPLOAD_SIZE)
    # The upload path has hashed the stored copy and verified it against the bytes received; one
    # more read of a 4 GB file would add nothing.
    actual = sha256 or sha256_file(path)
    size = path.stat().st_size

    # The field's own storage, so the original lands where the record will read it from.
    storage = FootageItem._meta.get_field("original").storage
    key = f"originals/{actual[:2]}/{uuid.uuid4().hex}{EXTENSIONS.get(info.format, '')}"
    moved = move and isinstance(storage, FileSystemStorage)
    with open(path, "rb") as f:
        stored_name = storage.save(key, _MovableFile(f) if moved else File(f))
    try:
        with transaction.atomic():
            item = FootageItem.objects.create(
                incident=incident,
                kind=kind,
                device_id=device_id,
                uploaded_by=uploaded_by,
                original_filename=original_filename[:255],
                original=stored_name,
                size=size,
                sha256=actual,
                **_metadata_fields(info),
            )
            record_custody(
                item, CustodyAction.INGESTED, actor=uploaded_by, request=request,
                detail={"filename": item.original_filename, "size": size, "stored_as": stored_name, "kind": kind,
                        "device_id": device_id, "via": "tus upload" if upload else "server import",
                        **({"upload": str(upload.pk)} if upload else {})},
            )
            record_custody(
                item, CustodyAction.HASH_COMPUTED, actor=uploaded_by, request=request,
                detail={"algorithm": "SHA-256", "sha256": actual,
                        "how": (hash_how or "computed as the bytes arrived, then re-read and compared") if upload else "read from the file"},
            )
            if upload is not None:
                updated = Upload.objects.filter(pk=upload.pk, state=UploadState.RECEIVING).update(
                    state=UploadState.INGESTED, footage=item, claim_token=None
                )
                if not updated:
                    raise IngestError("upload_gone", "The upload was cancelled or finished elsewhere.")
            create_processing_jobs(item)
    except BaseException:
        _take_back(storage, stored_name, path if moved else None)
        raise
    return item


def _take_back(storage, stored_name: str, move_back_to: Path | None) -> None:
    """Undo the store of an original whose record was never written: it is not evidence yet."""
    if move_back_to is not None and not move_back_to.exists():
        os.replace(storage.path(stored_name), move_back_to)
    else:
        storage.delete(stored_name)


def _metadata_fields(info: MediaInfo) -> dict:
    captured_at = info.captured_at
    if captured_at is not None and timezone.is_naive(captured_at):
        # A camera clock without a zone is taken as the city's local time, the usual setting.
        captured_at = timezone.make_aware(captured_at)
    return {
        "media_type": info.kind,
        "mime": info.mime,
        "container": (info.container or info.format or "")[:100],
        "video_codec": (info.video_codec or "")[:40],
        "audio_codec": (info.audio_codec or "")[:40],
        "has_audio": bool(info.has_audio),
        "duration": info.duration,
        "width": info.width,
        "height": info.height,
        "fps": info.fps,
        "rotation": info.rotation or 0,
        "captured_at": captured_at.astimezone(dt_timezone.utc) if captured_at else None,
        "latitude": info.latitude,
        "longitude": info.longitude,
        "device_make": (info.make or "")[:100],
        "device_model": (info.model or "")[:100],
    }
