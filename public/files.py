"""Downloads of released files, with Range support so the video player can seek.

Only a file in `published_releases()` is served, and only under its own name; the ETag is its
SHA-256, which never changes for a published release."""

from __future__ import annotations

import re

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified, StreamingHttpResponse
from django.utils.http import http_date
from django.views.decorators.http import require_http_methods

from .selectors import as_public_file, public_releases

CHUNK = 256 * 1024
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _stream(handle, start: int, length: int):
    try:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            block = handle.read(min(CHUNK, remaining))
            if not block:
                break
            remaining -= len(block)
            yield block
    finally:
        handle.close()


@require_http_methods(["GET", "HEAD"])
def release_file(request: HttpRequest, release_id: int, filename: str) -> HttpResponse:
    release = public_releases().filter(id=release_id).first()
    if release is None or not release.release_file:
        raise Http404
    public = as_public_file(release)
    if filename != public.filename:
        raise Http404
    etag = f'"{public.sha256}"'
    headers = {
        "ETag": etag,
        "Accept-Ranges": "bytes",
        "Cache-Control": "public, max-age=86400, immutable",
        "Content-Disposition": f'inline; filename="{public.filename}"',
        "X-Content-Type-Options": "nosniff",
    }
    if public.published_at:
        headers["Last-Modified"] = http_date(public.published_at.timestamp())
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
        for name, value in headers.items():
            response[name] = value
        return response

    size = release.release_file.size
    start, end, status = 0, size - 1, 200
    wanted = request.headers.get("Range", "")
    if_range = request.headers.get("If-Range")
    match = RANGE.match(wanted.strip()) if wanted and (not if_range or if_range == etag) else None
    if match and (match.group(1) or match.group(2)):
        first, last = match.group(1), match.group(2)
        if first:
            start = int(first)
            end = min(int(last), size - 1) if last else size - 1
        else:  # "bytes=-N": the last N bytes
            start, end = max(0, size - int(last)), size - 1
        if start >= size or start > end:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        status = 206
    length = end - start + 1
    if request.method == "HEAD":
        response = HttpResponse(status=status, content_type=public.media_type)
    else:
        handle = release.release_file.storage.open(release.release_file.name, "rb")
        response = StreamingHttpResponse(_stream(handle, start, length), status=status, content_type=public.media_type)
    for name, value in headers.items():
        response[name] = value
    response["Content-Length"] = str(length)
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response
