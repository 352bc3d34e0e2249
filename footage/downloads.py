"""Responses that send footage bytes: the original (download, audited), the proxy (streamed with
HTTP Range so the browser can seek) and the poster and thumbnail strip. Callers have already
found the item through `footage.access`; these functions only send and record.
"""

from __future__ import annotations

from datetime import timedelta

from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils import timezone

from portal.byte_ranges import UnsatisfiableRange, ranged_file_response, requested_range

from .custody import record_custody
from .models import CustodyAction, CustodyEvent, FootageItem

# A player opens the stream from byte 0 and then seeks with later ranges; only the opening request
# is a "streamed" custody entry, and a reopening by the same person within this window (a reload,
# a browser re-requesting from 0) is the same viewing.
STREAM_SESSION = timedelta(minutes=30)


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
    try:
        byte_range = requested_range(request.headers.get("Range", ""), size)
    except UnsatisfiableRange:
        return ranged_file_response(request, storage, item.proxy.name, size=size)  # answers 416
    if byte_range.start == 0:
        _record_stream_opened(item, request)
    return ranged_file_response(
        request, storage, item.proxy.name, size=size, byte_range=byte_range, headers={"Cache-Control": "private, no-store"}
    )


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
