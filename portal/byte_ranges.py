"""Serving stored files with HTTP Range requests, so a <video> element can seek.

One implementation for every place that streams a file (staff proxies, review copies, public
releases). Callers check permission, record custody and set caching headers; this module only
works out which bytes were asked for and sends them, never holding more than a piece in memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

PIECE = 512 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive, as in Content-Range
    partial: bool

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class UnsatisfiableRange(Exception):
    pass


def requested_range(header: str, size: int) -> ByteRange:
    """The single range a `Range: bytes=a-b` header asks for, or the whole file.

    A header this server does not understand (several ranges, other units) is ignored, as
    RFC 9110 allows; a range that starts past the end raises UnsatisfiableRange (416).
    """
    whole = ByteRange(0, max(size - 1, 0), partial=False)
    match = _RANGE.match(header.strip()) if header else None
    if match is None or not (match.group(1) or match.group(2)):
        return whole
    first, last = match.groups()
    if first:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
    else:  # "bytes=-N": the final N bytes
        start, end = max(size - int(last), 0), size - 1
    if start >= size or start > end:
        raise UnsatisfiableRange
    return ByteRange(start, end, partial=True)


def ranged_file_response(
    request: HttpRequest,
    storage,
    name: str,
    *,
    content_type: str = "video/mp4",
    size: int | None = None,
    byte_range: ByteRange | None = None,
    honour_range: bool = True,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    size = storage.size(name) if size is None else size
    if byte_range is None:
        try:
            byte_range = requested_range(request.headers.get("Range", "") if honour_range else "", size)
        except UnsatisfiableRange:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
    status = 206 if byte_range.partial else 200
    if request.method == "HEAD" or size == 0:
        response = HttpResponse(status=status, content_type=content_type)
    else:
        handle = storage.open(name, "rb")
        handle.seek(byte_range.start)
        response = StreamingHttpResponse(_pieces(handle, byte_range.length), status=status, content_type=content_type)
    response["Content-Length"] = str(byte_range.length if size else 0)
    response["Accept-Ranges"] = "bytes"
    if byte_range.partial:
        response["Content-Range"] = f"bytes {byte_range.start}-{byte_range.end}/{size}"
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def _pieces(handle, remaining: int):
    try:
        while remaining > 0:
            block = handle.read(min(PIECE, remaining))
            if not block:
                break
            remaining -= len(block)
            yield block
    finally:
        handle.close()
