"""The tus 1.0.0 server at /api/uploads/: core, creation, termination, checksum (sha256) and
expiration. https://tus.io/protocols/resumable-upload

Plain Django views rather than DRF ones, so the PATCH body is read as a stream (`upload_body.py`),
never as `request.body`. Callers authenticate like the rest of the API (token or session;
session requests must carry the CSRF token, which the staff page sends as X-CSRFToken). Every
refusal has a JSON body `{"code": ..., "detail": ...}` except on HEAD, which has no body.
"""

from __future__ import annotations

from email.utils import format_datetime

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from rest_framework.settings import api_settings
from rest_framework.exceptions import APIException
from rest_framework.request import Request


from .access import visible_footage
from .models import Upload, UploadState
from .upload_body import body_reader
from .uploads import (
    UploadError, create_upload, finalize_if_complete, parse_checksum, parse_metadata, receive_patch, terminate_upload,
)

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,termination,checksum,expiration"


def _authenticate(request: HttpRequest):
    """DRF's own authenticators, so tokens and sessions (with CSRF) behave exactly as in the API."""
    drf_request = Request(request)
    for authenticator in (cls() for cls in api_settings.DEFAULT_AUTHENTICATION_CLASSES):
        try:
            result = authenticator.authenticate(drf_request)
        except APIException as exc:
            raise UploadError("not_authenticated", str(exc.detail), status=exc.status_code) from None
        if result is not None:
            return result[0]
    raise UploadError("not_authenticated", "Sign in or send an API token.", status=401)


def _tus_headers(response: HttpResponse) -> HttpResponse:
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    return response


def _error(exc: UploadError, request: HttpRequest) -> HttpResponse:
    if request.method == "HEAD":
        response = HttpResponse(status=exc.status)
    else:
        response = JsonResponse({"code": exc.code, "detail": exc.detail}, status=exc.status)
    if exc.status == 401:
        response["WWW-Authenticate"] = "Token"
    return _tus_headers(response)


def _upload_headers(response: HttpResponse, upload: Upload) -> HttpResponse:
    response["Upload-Offset"] = str(upload.offset)
    response["Upload-Length"] = str(upload.length)
    if upload.state == UploadState.RECEIVING:
        response["Upload-Expires"] = format_datetime(upload.expires_at, usegmt=True)
    return _tus_headers(response)


def _upload_url(request: HttpRequest, upload: Upload) -> str:
    return request.build_absolute_uri(reverse("footage-api:upload", args=[upload.pk]))


def _options() -> HttpResponse:
    response = HttpResponse(status=204)
    response["Tus-Version"] = TUS_VERSION
    response["Tus-Extension"] = EXTENSIONS
    response["Tus-Checksum-Algorithm"] = "sha256"
    response["Tus-Max-Size"] = str(settings.MAX_UPLOAD_SIZE)
    return _tus_headers(response)


def _require_tus(request: HttpRequest) -> None:
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        raise UploadError("unsupported_version", f"Send Tus-Resumable: {TUS_VERSION}.", status=412)


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _status_json(request: HttpRequest, upload: Upload, user) -> dict:
    footage_url = None
    if upload.footage_id and visible_footage(user).filter(pk=upload.footage_id).exists():
        footage_url = reverse("footage:detail", args=[upload.footage_id])
    return {
        "id": str(upload.pk),
        "url": _upload_url(request, upload),
        "filename": upload.filename,
        "incident": upload.incident_id,
        "incident_reference": upload.incident.reference,
        "kind": upload.kind,
        "length": upload.length,
        "offset": upload.offset,
        "state": upload.state,
        "expires_at": upload.expires_at.isoformat(),
        "rejection": {"code": upload.rejection_code, "detail": upload.rejection_detail} if upload.rejection_code else None,
        "footage": upload.footage_id,
        "footage_url": footage_url,
    }


@login_not_required
@csrf_exempt
@never_cache
def uploads_collection(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        return _options()
    try:
        user = _authenticate(request)
        if request.method == "GET":
            # The staff page lists unfinished uploads after a reload, to offer resuming them.
            uploads = Upload.objects.filter(owner=user, state=UploadState.RECEIVING).select_related("incident").order_by("-created_at")
            # From any browser: the file chosen (its size, name and fingerprint) finds its partial upload again.
            if request.GET.get("fingerprint"):
                uploads = uploads.filter(fingerprint=request.GET["fingerprint"][:64], filename=request.GET.get("filename", "")[:255],
                                         length=_int_or_none(request.GET.get("length")))
            uploads = uploads[:50]
            return JsonResponse({"results": [_status_json(request, u, user) for u in uploads]})
        if request.method != "POST":
            raise UploadError("method_not_allowed", "Use POST to create an upload.", status=405)
        _require_tus(request)
        upload = _create(request, user)
    except UploadError as exc:
        return _error(exc, request)
    response = HttpResponse(status=201)
    response["Location"] = _upload_url(request, upload)
    return _upload_headers(response, upload)


def _create(request: HttpRequest, user) -> Upload:
    if request.headers.get("Upload-Defer-Length"):
        raise UploadError("defer_length_unsupported", "Send Upload-Length; deferring it is not supported.")
    try:
        length = int(request.headers.get("Upload-Length", ""))
        if length < 0:
            raise ValueError
    except ValueError:
        raise UploadError("bad_length", "Upload-Length must be the file size in bytes.") from None
    metadata = parse_metadata(request.headers.get("Upload-Metadata", ""))
    try:
        incident_id = int(metadata.get("incident", ""))
    except ValueError:
        raise UploadError("bad_metadata", "Upload-Metadata must name the incident (its id).") from None
    from incidents.access import visible_incidents

    incident = visible_incidents(user).filter(pk=incident_id).first()
    if incident is None:
        raise UploadError("not_found", "No such incident.", status=404)
    return create_upload(
        owner=user,
        incident=incident,
        kind=metadata.get("kind", ""),
        filename=metadata.get("filename", "") or metadata.get("name", ""),
        device_id=metadata.get("device_id", ""),
        length=length,
        request=request,
        fingerprint=metadata.get("fingerprint", ""),
    )


@login_not_required
@csrf_exempt
@never_cache
def upload_resource(request: HttpRequest, upload_id) -> HttpResponse:
    if request.method == "OPTIONS":
        return _options()
    try:
        user = _authenticate(request)
        upload = Upload.objects.filter(pk=upload_id, owner=user).select_related("incident").first()
        if upload is None:
            raise UploadError("not_found", "No such upload.", status=404)
        if request.method == "GET":
            return _tus_headers(JsonResponse(_status_json(request, upload, user)))
        _require_tus(request)
        if request.method == "HEAD":
            return _head(request, upload)
        if request.method == "PATCH":
            return _patch(request, upload)
        if request.method == "DELETE":
            terminate_upload(upload)
            return _tus_headers(HttpResponse(status=204))
        raise UploadError("method_not_allowed", "Use HEAD, PATCH or DELETE.", status=405)
    except UploadError as exc:
        return _error(exc, request)


def _head(request: HttpRequest, upload: Upload) -> HttpResponse:
    upload = finalize_if_complete(upload, request=request)
    if upload.state in (UploadState.TERMINATED, UploadState.EXPIRED):
        raise UploadError("gone", "This upload was cancelled or expired.", status=410)
    if upload.state == UploadState.REJECTED:
        response = HttpResponse(status=410)
        response["Upload-Rejection"] = upload.rejection_code
        return _tus_headers(response)
    return _upload_headers(HttpResponse(status=200), upload)


def _patch(request: HttpRequest, upload: Upload) -> HttpResponse:
    if request.content_type != "application/offset+octet-stream":
        raise UploadError("bad_content_type", "PATCH bodies must be application/offset+octet-stream.", status=415)
    try:
        offset = int(request.headers.get("Upload-Offset", ""))
        content_length = int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        raise UploadError("bad_offset", "Send Upload-Offset and Content-Length as whole numbers.") from None
    if offset < 0 or content_length < 0:
        raise UploadError("bad_offset", "Upload-Offset and Content-Length cannot be negative.")
    checksum = parse_checksum(request.headers.get("Upload-Checksum"))
    # Read as a stream into a few fixed buffers; `request.body` would hold a whole chunk in memory.
    body = body_reader(request, content_length)
    result = receive_patch(upload, offset=offset, body=body, content_length=content_length, checksum=checksum, request=request)
    response = HttpResponse(status=204)
    if result.upload.footage_id:
        response["Footage-Location"] = reverse("footage:detail", args=[result.upload.footage_id])
    upload.offset = result.offset
    return _upload_headers(response, upload)
