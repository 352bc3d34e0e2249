"""Responses that send footage bytes: the original (download, audited), the proxy (streamed with
HTTP Range so the browser can seek) and the poster and thumbnail strip. Callers have already
found the item through `footage.access`; these functions only send and record.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone

from .custody import record_custody
from .models import CustodyAction, CustodyEvent, FootageItem

STREAM_PIECE = 512 * 1024
# A player opens the stream from byte 0 and then seeks with later ranges; only the opening request
# is a "streamed" custody entry, and a reopening by the same person within this window (a reload,
# a browser re-requesting from 0) is the same viewing.
STREAM_SESSION = timedelta(minutes=30)
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def original_response(item: FootageItem, *, request: HttpRequest) -> FileResponse:
    handle = item.original.storage.open(item.original.name, "rb")
    record_custody(
        item, CustodyAction.DOWNLOADED, actor=request.user, request=request,
        detail={"sha256": item.sha256, "size": item.size, "filename": item.original_filename},
    )
    response = FileResponse(handle, as_attachment=True, filename=item.original_filename, content_type="application/octet-stream")
    response["X-Content-SHA256"] = item.sha256
    response["Cache-Control"] = "private, no-store"
    return response


def proxy_response(item: FootageItem, *, request: HttpRequest) -> HttpResponse:
    """The web proxy, honouring a single `Range: bytes=a-b` (what video players send)."""
    storage = item.proxy.storage
    size = storage.size(item.proxy.name)
    start, end = 0, size - 1
    header = request.headers.get("Range", "").strip()
    partial = False
    if header:
        match = _RANGE.match(header)
        if match is None or (not match.group(1) and not match.group(2)):
            return _unsatisfiable(size)
        first, last = match.groups()
        if first:
            start = int(first)
            end = min(int(last), size - 1) if last else size - 1
        else:  # a suffix: the last N bytes
            start = max(0, size - int(last))
        if start >= size or start > end:
            return _unsatisfiable(size)
        partial = True
    if start == 0:
        _record_stream_opened(item, request)
    handle = storage.open(item.proxy.name, "rb")
    handle.seek(start)
    response = StreamingHttpResponse(_read(handle, end - start + 1), status=206 if partial else 200, content_type="video/mp4")
    response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, no-store"
    if partial:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response


def image_response(field_file) -> FileResponse:
    response = FileResponse(field_file.storage.open(field_file.name, "rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=300"
    return response


def _record_stream_opened(item: FootageItem, request: HttpRequest) -> None:
    recently = CustodyEvent.objects.filter(
        footage=item, action=CustodyAction.STREAMED, actor=request.user, occurred_at__gte=timezone.now() - STREAM_SESSION
    ).exists()
    if not recently:
        record_custody(item, CustodyAction.STREAMED, actor=request.user, request=request, detail={"file": "proxy", "proxy_sha256": item.proxy_sha256})


def _read(handle, remaining: int):
    try:
        while remaining > 0:
            block = handle.read(min(STREAM_PIECE, remaining))
            if not block:
                break
            remaining -= len(block)
            yield block
    finally:
        handle.close()


def _unsatisfiable(size: int) -> HttpResponse:
    response = HttpResponse(status=416)
    response["Content-Range"] = f"bytes */{size}"
    return response
