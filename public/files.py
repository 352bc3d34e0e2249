"""Downloads of released files, with Range support so the video player can seek.

Only a file in `published_releases()` is served, and only under its own name; the ETag is its
SHA-256, which never changes for a published release.

After the check, the bytes need not pass through a Django thread: with PUBLIC_FILES_HANDOFF the
web server (nginx's X-Accel-Redirect, Apache's or lighttpd's X-Sendfile) or the object store (a
short-lived presigned URL) sends them, with Range requests, so a viral video ties up no
application thread per viewer."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified, HttpResponseRedirect
from django.utils.http import http_date
from django.views.decorators.http import require_http_methods

from portal.byte_ranges import ranged_file_response

from .selectors import as_public_file, public_releases


@login_not_required
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

    handoff = _handed_off(release, public, headers)
    if handoff is not None:
        return handoff
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


# A presigned URL lives this long; the redirect to it is cached for less.
PRESIGNED_SECONDS = 900
REDIRECT_MAX_AGE = 300


def _handed_off(release, public, headers: dict[str, str]) -> HttpResponse | None:
    mode = settings.PUBLIC_FILES_HANDOFF
    name = release.release_file.name
    if mode == "accel":
        response = HttpResponse(content_type=public.media_type)
        response["X-Accel-Redirect"] = settings.PUBLIC_FILES_ACCEL_PREFIX.rstrip("/") + "/" + quote(name.lstrip("/"))
    elif mode == "sendfile":
        response = HttpResponse(content_type=public.media_type)
        response["X-Sendfile"] = release.release_file.storage.path(name)
    elif mode == "redirect":
        url = release.release_file.storage.url(
            name,
            parameters={"ResponseContentDisposition": headers["Content-Disposition"], "ResponseContentType": public.media_type},
            expire=PRESIGNED_SECONDS,
        )
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = f"public, max-age={REDIRECT_MAX_AGE}"
        return response
    else:
        return None
    for key, value in headers.items():
        response[key] = value
    return response
