"""Resumable uploads, the state behind the tus protocol (`tus.py` is the HTTP side).

The partial file holds the bytes received so far; `Upload.offset` counts only bytes fsynced there,
so after any crash the file is cut back to the offset and the client resumes from it. One request
writes at a time: it claims the row with a conditional UPDATE on the offset it starts from, and a
second request at the same offset finds nothing to claim (409).

The request's thread receives each buffer (one of a few fixed ones, so a request holds the same
memory whatever the file's size) and appends it to the partial file; a second thread reads that range
back from the file, compares it byte for byte with the buffer received, and hashes the bytes read
back. So the SHA-256 is computed once per byte, of the stored copy, and it is the hash of what the
client sent; a write that did not store what was received fails its chunk (503, nothing kept). The
hash state is saved on the row with each new offset (`Upload.hash_state`), so a chunk that lands on
another worker, or on a restarted one, goes on from it without reading the file back; only where
that state cannot be used (no OpenSSL to save it with) are bytes re-read, just those the process has
not hashed itself.

Bytes below the offset are never written again: the file is opened append-only, by the one request
holding the claim, and cut back only to the offset. What could still change them is something else
writing the file, or a machine that lost acknowledged writes in a crash; so with each offset the row
also keeps the file as the kernel reports it (`Upload.file_state`: boot, inode, size, modification and
change times, which any write or truncation changes), and the next chunk and completion compare it
with the file. Where it still matches, every stored byte was read back and matched, and completion
stores the file without reading it again. Where it does not (the file was changed, a request died in
the middle of a chunk, the machine restarted), the state is dropped and completion re-reads the whole
file, whose hash must equal the one computed as it arrived, as the media probe runs beside it. Kernels
before 6.13 keep change times per clock tick, so there a write by something else in the same few
milliseconds as a chunk's end would not be seen.
"""

from __future__ import annotations

import base64
import binascii
import ctypes
import errno
import hashlib
import logging
import os
import re
import shutil
import threading
import time
import uuid
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Q
from django.utils import timezone

from portal.audit import record_event
from portal.models import AuditOutcome

from .access import can_upload_to
from media import IncrementalSha256, MediaRejected, ProcessingError, probe_media
from .models import FootageKind, Upload, UploadState
from .upload_body import BodyReader

log = logging.getLogger(__name__)

PIECE = 1024 * 1024
BUFFER = 4 * PIECE  # received, written and hashed in these, whatever the chunk size
BUFFERS = 3  # one being received while the others are hashed
WRITE_PIECE = 256 * 1024
READ_BACK_PIECE = PIECE  # read back, compared and hashed while it is in the CPU's cache
WRITEBACK_EVERY = 8 * PIECE
CLAIM_REFRESH_SECONDS = 5
MAX_CACHED_HASHERS = 1000


class UploadError(Exception):
    """A refusal with an HTTP status, a stable code and a message for people."""

    status = 400

    def __init__(self, code: str, detail: str, *, status: int | None = None) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        if status is not None:
            self.status = status


class UploadConflict(UploadError):
    status = 409


class UploadRejected(UploadError):
    """The file is complete but is not acceptable evidence (the media layer's verdict)."""

    status = 422


def claim_stale_after() -> timedelta:
    # Longer than the slowest step that cannot beat the claim (probing, bounded by its own
    # time limits), so a live request is never taken over.
    return timedelta(seconds=settings.FOOTAGE_UPLOAD_CLAIM_STALE_SECONDS)


def partial_path(upload: Upload) -> Path:
    return Path(settings.UPLOAD_TEMP_DIR) / f"{upload.pk}.partial"


# ---- creation and termination ------------------------------------------------------------------


def parse_metadata(header: str) -> dict[str, str]:
    """tus Upload-Metadata: comma-separated `key base64value` pairs; a key may have no value."""
    result: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in header.split(","))):
        key, _, encoded = pair.partition(" ")
        if not key or key in result:
            raise UploadError("bad_metadata", "Upload-Metadata has an empty or repeated key.")
        try:
            result[key] = base64.b64decode(encoded.strip(), validate=True).decode("utf-8") if encoded else ""
        except (binascii.Error, UnicodeDecodeError):
            raise UploadError("bad_metadata", f"Upload-Metadata value for {key!r} is not base64 of UTF-8 text.") from None
        # PostgreSQL cannot store a NUL character; no filename or device id has one.
        if "\x00" in result[key]:
            raise UploadError("bad_metadata", f"Upload-Metadata value for {key!r} contains a NUL character.")
    return result


def create_upload(*, owner, incident, kind: str, filename: str, device_id: str, length: int, request=None,
                  fingerprint: str = "") -> Upload:
    if not can_upload_to(owner, incident):
        record_event(
            actor=owner, action="footage.upload_refused", target=incident, outcome=AuditOutcome.REFUSED,
            reason="may not add evidence to this incident", request=request,
        )
        raise UploadError("forbidden", "You may not add footage to this incident.", status=403)
    filename = os.path.basename(filename.replace("\\", "/")).strip()[:255]
    errors = []
    if not filename:
        errors.append("filename is required")
    if kind not in FootageKind.values:
        errors.append(f"kind must be one of {', '.join(FootageKind.values)}")
    if len(device_id) > 120:
        errors.append("device_id is at most 120 characters")
    if fingerprint and not re.fullmatch(r"[0-9a-f]{64}", fingerprint):
        errors.append("fingerprint is the hex SHA-256 of the file's first and last MiB")
    if errors:
        raise UploadError("bad_metadata", "; ".join(errors) + ".")
    if length > settings.MAX_UPLOAD_SIZE:
        raise UploadError(
            "too_large",
            f"The file is {_human(length)}, over the {_human(settings.MAX_UPLOAD_SIZE)} limit for one upload.",
            status=413,
        )
    if length == 0:
        raise UploadRejected("empty", "The file is empty (0 bytes); choose the file again or check the camera export.")
    temp_dir = Path(settings.UPLOAD_TEMP_DIR)
    temp_dir.mkdir(parents=True, exist_ok=True)
    if shutil.disk_usage(temp_dir).free < length:
        raise UploadError("insufficient_storage", "The server has no room for this file right now; try again later.", status=507)
    upload = Upload(
        owner=owner, incident=incident, kind=kind, device_id=device_id.strip(), filename=filename,
        fingerprint=fingerprint, length=length, expires_at=timezone.now() + settings.UPLOAD_EXPIRY,
    )
    # The file exists before the row so a PATCH never finds a row without its file.
    with open(partial_path(upload), "xb") as f:
        os.fsync(f.fileno())
    upload.save(force_insert=True)
    return upload


def terminate_upload(upload: Upload) -> None:
    claimed = (
        Upload.objects.filter(pk=upload.pk, state=UploadState.RECEIVING)
        .filter(Q(claim_token__isnull=True) | Q(claimed_at__lt=timezone.now() - claim_stale_after()))
        .update(state=UploadState.TERMINATED, claim_token=None)
    )
    if not claimed:
        raise UploadConflict("busy", "This upload is being written or has already finished.")
    _forget_hasher(upload.pk)
    partial_path(upload).unlink(missing_ok=True)


def expire_uploads(now=None) -> int:
    """Remove the bytes of uploads abandoned past their expiry; the rows stay as a record."""
    now = now or timezone.now()
    count = 0
    for upload in Upload.objects.filter(state=UploadState.RECEIVING, expires_at__lt=now):
        expired = (
            Upload.objects.filter(pk=upload.pk, state=UploadState.RECEIVING, expires_at__lt=now)
            .filter(Q(claim_token__isnull=True) | Q(claimed_at__lt=now - claim_stale_after()))
            .update(state=UploadState.EXPIRED, claim_token=None)
        )
        if expired:
            _forget_hasher(upload.pk)
            partial_path(upload).unlink(missing_ok=True)
            count += 1
    return count


# ---- receiving bytes ---------------------------------------------------------------------------

_hashers: dict[uuid.UUID, IncrementalSha256] = {}
_hashers_lock = threading.Lock()


def _take_hasher(upload_id) -> IncrementalSha256 | None:
    with _hashers_lock:
        return _hashers.pop(upload_id, None)


def _keep_hasher(upload_id, hasher: IncrementalSha256) -> None:
    with _hashers_lock:
        if len(_hashers) >= MAX_CACHED_HASHERS:
            # Uploads finished on another worker leave their state here; the oldest go first.
            _hashers.pop(next(iter(_hashers)))
        _hashers[upload_id] = hasher


def _catch_up(hasher: IncrementalSha256, path: Path, offset: int) -> None:
    """Bring a hasher this process left at an earlier offset up to `offset` by reading only the
    chunks another worker received since: bytes below the stored offset never change."""
    with open(path, "rb") as f:
        f.seek(hasher.length)
        while hasher.length < offset:
            block = f.read(min(PIECE, offset - hasher.length))
            if not block:
                raise ValueError(f"{path} ends before offset {offset}")
            hasher.update(block)


def _forget_hasher(upload_id) -> None:
    with _hashers_lock:
        _hashers.pop(upload_id, None)


@dataclass
class Claim:
    upload_id: uuid.UUID
    token: uuid.UUID
    refreshed: float
    hash_state: bytes | None = None  # after the bytes this request appended, saved with the new offset
    file_state: str | None = None  # saved with the new offset once this request touched the file

    def refresh(self) -> None:
        if time.monotonic() - self.refreshed < CLAIM_REFRESH_SECONDS:
            return
        if not Upload.objects.filter(pk=self.upload_id, claim_token=self.token).update(claimed_at=timezone.now()):
            raise UploadConflict("claim_lost", "Another request took over this upload.")
        self.refreshed = time.monotonic()


def claim(upload: Upload, offset: int) -> Claim:
    """Take the exclusive right to write at `offset`; 409 if the offset is not the stored one or
    another live request holds the upload."""
    token = uuid.uuid4()
    now = timezone.now()
    taken = (
        Upload.objects.filter(pk=upload.pk, state=UploadState.RECEIVING, offset=offset)
        .filter(Q(claim_token__isnull=True) | Q(claimed_at__lt=now - claim_stale_after()))
        .update(claim_token=token, claimed_at=now)
    )
    if taken:
        return Claim(upload.pk, token, time.monotonic())
    current = Upload.objects.filter(pk=upload.pk).values("offset", "state").first()
    if current is None or current["state"] != UploadState.RECEIVING:
        raise UploadError("gone", "This upload is no longer accepting data.", status=410)
    if current["offset"] != offset:
        raise UploadConflict("offset_mismatch", f"Upload-Offset {offset} does not match the server's offset {current['offset']}.")
    raise UploadConflict("busy", "Another request is writing to this upload; ask for its offset and resume.")


def release(claim_: Claim, *, offset: int | None = None) -> None:
    changes: dict = {"claim_token": None, "claimed_at": None}
    if offset is not None:
        changes.update(_offset_changes(claim_, offset), expires_at=timezone.now() + settings.UPLOAD_EXPIRY)
    Upload.objects.filter(pk=claim_.upload_id, claim_token=claim_.token).update(**changes)


def _offset_changes(claim_: Claim, offset: int) -> dict:
    # The hash state goes in the same UPDATE as the offset it belongs to; a state left from an
    # earlier offset is harmless, as restoring checks its length against the offset.
    changes: dict = {"offset": offset}
    if claim_.hash_state is not None:
        changes["hash_state"] = claim_.hash_state
    if claim_.file_state is not None:
        changes["file_state"] = claim_.file_state
    return changes


def _read_boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


_BOOT_ID = _read_boot_id()


def _file_state(file: Path | int) -> str:
    """The partial file as the kernel reports it; any write, truncation or replacement changes it.
    Empty where the boot cannot be told apart: after a machine's crash the file may look the same
    and still lack writes that were acknowledged."""
    if not _BOOT_ID:
        return ""
    st = os.stat(file)
    return f"{_BOOT_ID} {st.st_dev} {st.st_ino} {st.st_size} {st.st_mtime_ns} {st.st_ctime_ns}"


def _vouched_for(saved_state: str, path: Path, offset: int) -> bool:
    """Whether every byte below `offset` was read back and matched when it was written, and the file
    has not changed since."""
    if offset == 0:
        return True
    try:
        current = _file_state(path)
    except OSError:
        return False
    return bool(current) and current == saved_state and current.split()[3] == str(offset)


def _saved_file_state(upload_id) -> str:
    return Upload.objects.filter(pk=upload_id).values_list("file_state", flat=True).first() or ""


def parse_checksum(header: str | None) -> bytes | None:
    if not header:
        return None
    algorithm, _, encoded = header.strip().partition(" ")
    if algorithm.lower() != "sha256":
        raise UploadError("unsupported_checksum", "Only sha256 is supported in Upload-Checksum.")
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error:
        raise UploadError("bad_checksum", "Upload-Checksum is not base64.") from None
    if len(digest) != 32:
        raise UploadError("bad_checksum", "Upload-Checksum is not a SHA-256 digest.")
    return digest


@dataclass
class PatchResult:
    offset: int
    upload: Upload


def receive_patch(upload: Upload, *, offset: int, body: BodyReader, content_length: int, checksum: bytes | None, request=None) -> PatchResult:
    """Append one PATCH body at `offset`. Bytes of a cut connection are kept (unless a checksum was
    given, which they cannot match); after the last byte the upload is finalized."""
    if offset + content_length > upload.length:
        raise UploadError("beyond_length", "This chunk would run past the declared Upload-Length.", status=400)
    held = claim(upload, offset)
    new_offset = offset
    try:
        new_offset = _append(upload, held, offset=offset, body=body, content_length=content_length, checksum=checksum)
        if new_offset == upload.length:
            # Every byte is on disk: say so before the slow part, so a crash during finalizing
            # leaves an upload that a HEAD finishes rather than one the client sends again.
            Upload.objects.filter(pk=upload.pk, claim_token=held.token).update(**_offset_changes(held, new_offset))
            upload.offset = new_offset
            finalize(upload, held, request=request)
            upload.refresh_from_db()
        return PatchResult(new_offset, upload)
    finally:
        release(held, offset=new_offset)


def _append(upload: Upload, held: Claim, *, offset: int, body: BodyReader, content_length: int, checksum: bytes | None) -> int:
    path = partial_path(upload)
    local = _take_hasher(upload.pk)
    hasher = local if local is not None and local.length == offset else _saved_hasher(upload.pk, offset)
    try:
        if hasher is None and local is not None and local.length < offset:
            hasher = local
            _catch_up(hasher, path, offset)
        elif hasher is None:
            hasher = IncrementalSha256.resume(path, offset)
    except (OSError, ValueError) as exc:
        log.error("upload %s: partial file unreadable at offset %s: %s", upload.pk, offset, exc)
        raise UploadError("storage_unavailable", "The partial upload could not be read; try again shortly.", status=503) from exc
    chunk_digest = hashlib.sha256() if checksum is not None else None
    digests = (hasher, chunk_digest) if chunk_digest is not None else (hasher,)
    # A state read before the claim can only be older than the row's, and an older one matches no file.
    continuous = _vouched_for(upload.file_state, path, offset)
    held.file_state = ""  # until this request leaves the file at a known offset
    scratch = memoryview(bytearray(READ_BACK_PIECE))
    received = written_back = 0
    try:
        # Unbuffered: each received buffer goes to the kernel as it lies, in a few write(2) calls.
        # Append-only: nothing this request writes can land below the offset.
        with open(path, "a+b", buffering=0) as f, ThreadPoolExecutor(1, thread_name_prefix="upload-hash") as hashing:
            # Bytes past the offset were never acknowledged (a request that died before fsync).
            f.truncate(offset)
            fd = f.fileno()
            buffers = _take_buffers(min(BUFFERS, -(-content_length // BUFFER)))
            hashing_jobs: deque = deque()  # one per buffer in use, oldest first
            turn, ended = 0, False
            while received < content_length and not ended:
                view = buffers[turn % len(buffers)]
                turn += 1
                if len(hashing_jobs) == len(buffers):
                    hashing_jobs.popleft().result()  # this buffer's bytes are hashed: it may be filled again
                want = min(BUFFER, content_length - received)
                filled = _fill(body, view[:want])
                ended = filled < want
                if not filled:
                    break
                _write_all(f, view[:filled])
                hashing_jobs.append(hashing.submit(_read_back_and_hash, fd, offset + received, view[:filled], scratch, digests))
                received += filled
                if received - written_back >= WRITEBACK_EVERY:
                    _start_writeback(f.fileno(), offset + written_back, received - written_back)
                    written_back = received
                held.refresh()
            os.fsync(fd)  # the disk finishes while the last buffers are read back and hashed
            for job in hashing_jobs:
                job.result()
            _give_back_buffers(buffers)
            if chunk_digest is not None and (received != content_length or chunk_digest.digest() != checksum):
                f.truncate(offset)
                os.fsync(fd)
                held.file_state = _file_state(fd) if continuous else ""
                if received == content_length:
                    raise UploadError("checksum_mismatch", "The chunk does not match its Upload-Checksum; it was discarded.", status=460)
                return offset
            held.file_state = _file_state(fd) if continuous else ""
    except OSError as exc:
        # A transient write failure (disk full, I/O error): forget this chunk, keep the upload.
        log.error("upload %s: write failed at offset %s: %s", upload.pk, offset + received, exc)
        try:
            with open(path, "r+b") as f:
                f.truncate(offset)
        except OSError:
            pass
        raise UploadError("storage_unavailable", "The server could not store this chunk; resume the upload shortly.", status=503) from exc
    held.hash_state = hasher.save()
    _keep_hasher(upload.pk, hasher)
    return offset + received


_spare_buffers: list[memoryview] = []
_spare_buffers_lock = threading.Lock()


def _take_buffers(count: int) -> list[memoryview]:
    # Fresh memory costs a page fault per 4 KiB on first touch, for every request; the last
    # request's buffers are already mapped. At most one request's set is kept.
    with _spare_buffers_lock:
        taken = [_spare_buffers.pop() for _ in range(min(count, len(_spare_buffers)))]
    return taken + [memoryview(bytearray(BUFFER)) for _ in range(count - len(taken))]


def _give_back_buffers(buffers: list[memoryview]) -> None:
    with _spare_buffers_lock:
        _spare_buffers.extend(buffers[: BUFFERS - len(_spare_buffers)])


def _fill(body: BodyReader, view: memoryview) -> int:
    """Receive into all of `view` unless the body ends first; a vanished client ends it too."""
    filled = 0
    while filled < len(view):
        try:
            n = body.readinto(view[filled:])
        except Exception:  # noqa: BLE001 - each server reports a vanished client its own way
            n = 0
        if not n:
            break
        filled += n
    return filled


def _write_all(f, view: memoryview) -> None:
    # Larger writes make the kernel put the bytes in large page-cache folios, which on the VMs
    # measured cost several times the CPU to fill (bench/upload.py, commit message).
    written = 0
    while written < len(view):
        written += f.write(view[written : written + WRITE_PIECE])


def _read_back_and_hash(fd: int, position: int, received: memoryview, scratch: memoryview, digests) -> None:
    """Hash the range just written at `position` as read back from the file, after checking it is
    byte for byte what was received: the hash is then both the stored copy's and the client's."""
    for start in range(0, len(received), len(scratch)):
        sent = received[start : start + len(scratch)]
        stored = scratch[: len(sent)]
        if os.preadv(fd, [stored], position + start) != len(sent) or not _same_bytes(stored, sent):
            raise OSError(errno.EIO, f"the bytes read back at {position + start} are not those written")
        for digest in digests:
            digest.update(stored)


def _load_memcmp():
    try:
        function = ctypes.CDLL(None).memcmp
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
    function.restype = ctypes.c_int
    return function


_memcmp = _load_memcmp()


def _same_bytes(a: memoryview, b: memoryview) -> bool:
    # memoryview's own == compares item by item, as slowly as hashing; memcmp runs at memory speed.
    if len(a) != len(b):
        return False
    if _memcmp is None or not len(a):
        return a == b
    return _memcmp((ctypes.c_char * len(a)).from_buffer(a), (ctypes.c_char * len(b)).from_buffer(b), len(a)) == 0


def _load_sync_file_range():
    try:
        function = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_sync_file_range = _load_sync_file_range()
_SYNC_FILE_RANGE_WRITE = 2  # start writing back, do not wait (linux/fs.h)


def _start_writeback(fd: int, offset: int, length: int) -> None:
    """Have the disk write these bytes while the next ones arrive, so the fsync that acknowledges
    the chunk waits for the last few MiB only, not the whole chunk. Durability still comes from that
    fsync; where the call is missing this does nothing."""
    if _sync_file_range is not None and length > 0:
        _sync_file_range(fd, offset, length, _SYNC_FILE_RANGE_WRITE)


def _saved_hasher(upload_id, offset: int) -> IncrementalSha256 | None:
    """The hash state stored with the offset, or None if there is none for exactly `offset` bytes."""
    state = Upload.objects.filter(pk=upload_id).values_list("hash_state", flat=True).first()
    hasher = IncrementalSha256.restore(state)
    return hasher if hasher is not None and hasher.length == offset else None


# ---- finalizing --------------------------------------------------------------------------------


def finalize_if_complete(upload: Upload, *, request=None) -> Upload:
    """A HEAD on a fully received upload that was never finalized (the server died after the last
    byte) finishes the job, so the client's view (offset = length) and ours agree."""
    if upload.state != UploadState.RECEIVING or upload.offset != upload.length:
        return upload
    try:
        held = claim(upload, upload.offset)
    except UploadError:
        return upload
    try:
        finalize(upload, held, request=request)
    except UploadError:
        pass
    finally:
        release(held)
    upload.refresh_from_db()
    return upload


def finalize(upload: Upload, held: Claim, *, request=None):
    """Verify the assembled file, identify it, and ingest it; or record why it was rejected."""
    from .ingest import IngestError, IngestRefused, ingest_file

    path = partial_path(upload)
    hasher = _take_hasher(upload.pk)
    if hasher is None or hasher.length != upload.length:
        hasher = _saved_hasher(upload.pk, upload.length)
    incremental = hasher.hexdigest() if hasher is not None else None
    # The probe (ffprobe and ffmpeg, on their own cores) looks at the file while it is re-read here,
    # where it must be; its verdict counts only once the bytes are known to be the ones received.
    with ThreadPoolExecutor(1, thread_name_prefix="upload-probe") as probing:
        probe = probing.submit(probe_media, path, max_bytes=settings.MAX_UPLOAD_SIZE)
        if incremental is not None and _vouched_for(_saved_file_state(upload.pk), path, upload.length):
            assembled = incremental
            how = "computed from the stored copy as it arrived, each range read back and compared with the bytes received"
        else:
            how = "computed as the bytes arrived, then the whole stored copy read again and compared"
            try:
                assembled = _hash_whole_file(path, held)
            except OSError as exc:
                raise UploadError("storage_unavailable", "The received file could not be read back; try again shortly.", status=503) from exc
            if incremental is not None and incremental != assembled:
                _reject(upload, held, "hash_mismatch", "The file changed on the server after it was received; upload it again.", request)
        held.refresh()
        try:
            info = probe.result()
        except MediaRejected as exc:
            _reject(upload, held, exc.code, exc.message, request)
        except ProcessingError as exc:
            log.error("upload %s: probing failed: %s", upload.pk, exc)
            raise UploadError("processing_unavailable", "The file could not be examined right now; ask for the offset again shortly.", status=503) from exc
    # Checked in the database, however recently refreshed: storing the file cannot be undone.
    held.refreshed = 0
    held.refresh()
    try:
        return ingest_file(
            path,
            incident=upload.incident,
            uploaded_by=upload.owner,
            kind=upload.kind,
            device_id=upload.device_id,
            original_filename=upload.filename,
            sha256=assembled,
            info=info,
            upload=upload,
            move=True,
            request=request,
            hash_how=how,
        )
    except IngestRefused as exc:
        # The uploader lost the right to add evidence to this case while the file was arriving.
        Upload.objects.filter(pk=upload.pk, claim_token=held.token).update(
            state=UploadState.REJECTED, rejection_code="forbidden", rejection_detail=str(exc)
        )
        partial_path(upload).unlink(missing_ok=True)
        raise UploadError("forbidden", str(exc), status=403) from exc
    except (IngestError, DatabaseError, OSError) as exc:
        # Nothing was recorded and the received file is back where it was: the client may retry.
        log.exception("upload %s: storing the original failed", upload.pk)
        raise UploadError("storage_unavailable", "The file arrived but could not be stored yet; ask for the offset again shortly.", status=503) from exc


def _hash_whole_file(path: Path, held: Claim) -> str:
    """The verification read of the assembled file, keeping the claim alive on a long file."""
    digest = hashlib.sha256()
    view = memoryview(bytearray(BUFFER))
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(view):
            digest.update(view[:n])
            held.refresh()
    return digest.hexdigest()


def _reject(upload: Upload, held: Claim, code: str, detail: str, request) -> None:
    Upload.objects.filter(pk=upload.pk, claim_token=held.token).update(
        state=UploadState.REJECTED, rejection_code=code, rejection_detail=detail
    )
    record_event(
        actor=upload.owner, action="footage.upload_rejected", target=upload.incident, outcome=AuditOutcome.REFUSED,
        reason=detail, request=request,
        detail={"upload": str(upload.pk), "filename": upload.filename, "code": code, "size": upload.length},
    )
    # A rejected file is never evidence; its bytes are not kept.
    partial_path(upload).unlink(missing_ok=True)
    raise UploadRejected(code, detail)


def _human(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} bytes"
