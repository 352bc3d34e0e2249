"""Public endpoints for released footage: the city's public key and a release's signed manifest
(the file itself is served by the public site, `public/files.py`). Each asks
`selectors.published_releases()` and nothing else, so a withheld or unapproved release is a 404
here whatever its id."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from .publication import manifest_document, public_file_name
from .selectors import get_published_release
from .signing import SigningKeyError, load_signing_key, public_key_pem


@login_not_required
@require_GET
@cache_control(public=True, max_age=3600)
def release_signing_public_key(request: HttpRequest) -> HttpResponse:
    """/.well-known/release-signing-key.pem"""
    try:
        key = load_signing_key()
    except SigningKeyError:
        raise Http404("No release signing key is configured.") from None
    return HttpResponse(public_key_pem(key.public_key()), content_type="application/x-pem-file")


def _published_or_404(pk):
    release = get_published_release(pk)
    if release is None:
        raise Http404("No such released footage.")
    return release


@login_not_required
@require_GET
def release_manifest(request: HttpRequest, pk) -> HttpResponse:
    release = _published_or_404(pk)
    body = json.dumps(manifest_document(release), indent=2, sort_keys=True)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'inline; filename="{public_file_name(release)}.manifest.json"'
    return response


@login_not_required
@require_GET
@cache_control(public=True, max_age=3600)
def content_credentials_root(request: HttpRequest) -> HttpResponse:
    """/.well-known/content-credentials-root.pem: the trust anchor for the C2PA credentials in
    every released file."""
    from .credentials import CredentialsMissing, root_certificate_pem

    try:
        pem = root_certificate_pem()
    except CredentialsMissing:
        raise Http404("No Content Credentials root is configured.") from None
    return HttpResponse(pem, content_type="application/x-pem-file")


@login_not_required
def release_captions(request: HttpRequest, pk) -> HttpResponse:
    """The reviewed captions of a published file, the bytes whose SHA-256 the manifest signs."""
    from .captions import published_captions

    release = _published_or_404(pk)
    published = published_captions(release) if (release.manifest or {}).get("captions") else None
    if published is None:
        raise Http404("This file has no captions.")
    response = HttpResponse(published["vtt"].encode("utf-8"), content_type="text/vtt; charset=utf-8")
    response["Content-Language"] = published["language"]
    return response
