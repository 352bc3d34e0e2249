"""Downloads of released files, with Range support so the video player can seek.

Only a file in `published_releases()` is served, and only under its own name; the ETag is its
SHA-256, which never changes for a published release."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.http import http_date
from django.views.decorators.http import require_http_methods

from portal.byte_ranges import ranged_file_response

from .selectors import as_public_file, public_releases


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

    # A stale If-Range (the file changed since the client's partial copy) gets the whole file.
    honour_range = request.headers.get("If-Range", etag) == etag
    return ranged_file_response(
        request,
        release.release_file.storage,
        release.release_file.name,
        content_type=public.media_type,
        size=release.release_file.size,
        honour_range=honour_range,
        headers=headers,
    )
