"""Serving a stored file with HTTP Range support, so <video> can seek. Callers check permission first."""

from __future__ import annotations

import re

from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 256 * 1024


def _read(f, length: int):
    try:
        while length > 0:
            block = f.read(min(CHUNK, length))
            if not block:
                break
            length -= len(block)
            yield block
    finally:
        f.close()


def ranged_file_response(
    request: HttpRequest, storage, name: str, *, content_type: str = "video/mp4", download_name: str | None = None
) -> HttpResponse:
    size = storage.size(name)
    header = request.headers.get("Range", "").strip()
    match = RANGE.match(header) if header else None
    disposition = {}
    if download_name:
        disposition = {"as_attachment": True, "filename": download_name}
    if not match or (not match.group(1) and not match.group(2)):
        response = FileResponse(storage.open(name, "rb"), content_type=content_type, **disposition)
        response["Content-Length"] = str(size)
        response["Accept-Ranges"] = "bytes"
        return response
    first, last = match.groups()
    if first:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
    else:  # the final N bytes
        start = max(size - int(last), 0)
        end = size - 1
    if start >= size or start > end:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    f = storage.open(name, "rb")
    f.seek(start)
    response = StreamingHttpResponse(_read(f, end - start + 1), status=206, content_type=content_type)
    response["Content-Length"] = str(end - start + 1)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    if download_name:
        response["Content-Disposition"] = f'attachment; filename="{download_name}"'
    return response
