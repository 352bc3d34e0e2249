"""The public "check a file" page: does a downloaded file (or its SHA-256) match the city's signed
manifest? The release need not be picked: a fingerprint alone finds it. Large files can be hashed
in the browser instead of uploaded (verify.js)."""

from __future__ import annotations

import hashlib

from django.contrib.auth.decorators import login_not_required
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.transparency_log import release_inclusion
from releases.manifest import canonical_bytes
from releases.publication import public_file_name
from releases.signing import SigningKeyError, load_signing_key, signature_is_valid
from releases.verification import verify_file_against_manifest

from .forms import VerifyForm
from .selectors import as_public_file, public_releases, withdrawn_file_dates

# Room for the form's other fields and the multipart boundaries around the file.
FORM_OVERHEAD = 64 * 1024


def _release_choices():
    """Each released file under the name it downloads with."""
    return [(r.id, public_file_name(r)) for r in public_releases()]


def _sha256_of(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _find_release(data):
    """The released file a check is about: the one chosen, or else the one whose fingerprint
    is the file's (a resident rarely knows which release their copy came from)."""
    if data.get("release"):
        return public_releases().filter(id=data["release"]).first(), data
    sha256 = data.get("sha256") or _sha256_of(data["file"])
    return public_releases().filter(release_sha256=sha256).first(), {**data, "file": None, "sha256": sha256}


def _not_released(sha256: str) -> str:
    withdrawn = withdrawn_file_dates(sha256)
    if withdrawn is None:
        return _("No file the city released has this fingerprint.")
    published, taken_down = (formats.date_format(timezone.localtime(moment), "DATE_FORMAT") for moment in withdrawn)
    return _("The city released a file with this fingerprint on %(published)s and withdrew it on %(withdrawn)s.") % {
        "published": published, "withdrawn": taken_down}


def _too_large(request: HttpRequest) -> bool:
    """Refuse, before reading the body, an upload bigger than every released file: it cannot
    match, and an open upload form must not be a way to fill the server's disk."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    largest = public_releases().aggregate(largest=Max("release_size"))["largest"] or 0
    return length > largest + FORM_OVERHEAD


def _check(release, data) -> tuple[bool, list[str]]:
    try:
        public_key = load_signing_key().public_key()
    except (SigningKeyError, OSError, ValueError):
        return False, [_("The city's signing key is not available right now. Please try again later.")]
    manifest, signature = release.manifest or {}, release.signature or ""
    if data.get("file"):
        result = verify_file_against_manifest(data["file"], manifest, signature, public_key)
        if result.ok:
            return True, []
        reasons = []
        if not signature_is_valid(public_key, canonical_bytes(manifest), signature):
            reasons.append(_("The city's signature on this file's record does not check out."))
        if result.sha256 != (manifest.get("file") or {}).get("sha256"):
            reasons.append(_("Your file is different from the file the city released."))
        return False, reasons or [_("Your file does not match.")]
    reasons = []
    if not signature_is_valid(public_key, canonical_bytes(manifest), signature):
        reasons.append(_("The city's signature on this file's record does not check out."))
    if data["sha256"] != (manifest.get("file") or {}).get("sha256"):
        reasons.append(_("This fingerprint is different from the fingerprint of the file the city released."))
    return not reasons, reasons


@login_not_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    choices = _release_choices()
    outcome = None
    if request.method == "POST" and _too_large(request):
        form = VerifyForm(release_choices=choices)
        refusal = _("This file is larger than any file the city released, so it cannot match. Type its SHA-256 fingerprint instead.")
        return render(request, "public/verify.html", {"form": form, "outcome": None, "refusal": refusal}, status=413)
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES, release_choices=choices)
        if form.is_valid():
            release, data = _find_release(form.cleaned_data)
            if release is None and form.cleaned_data.get("release"):
                form.add_error("release", _("Choose a file from the list."))
            elif release is None:
                outcome = {"ok": False, "reasons": [_not_released(data["sha256"])], "file": None}
            else:
                form.cleaned_data.update(data)
                ok, reasons = _check(release, form.cleaned_data)
                outcome = {"ok": ok, "reasons": reasons, "file": as_public_file(release), "log": release_inclusion(release)}
    else:
        form = VerifyForm(initial={"release": request.GET.get("release")}, release_choices=choices)
    status = 400 if request.method == "POST" and not form.is_valid() else 200
    return render(request, "public/verify.html", {"form": form, "outcome": outcome}, status=status)
