"""The public record of the signed audit checkpoints: a page, the JSON anyone can keep a copy
of, and the public key that verifies them. Anyone who saved an earlier copy can detect a trail
rewritten since (`manage.py verify_audit_chain --checkpoints COPY`)."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from portal.checkpoints import checkpoint_public_key, key_id, published_document
from portal.models import AuditCheckpoint
from releases.signing import SigningKeyError, public_key_pem


@login_not_required
@require_GET
@cache_control(public=True, max_age=300)
def checkpoint_list(request: HttpRequest) -> HttpResponse:
    """/audit/checkpoints/"""
    try:
        kid = key_id(checkpoint_public_key())
    except SigningKeyError:
        kid = None
    rows = AuditCheckpoint.objects.order_by("-id")
    return render(request, "public/audit_checkpoints.html", {"checkpoints": rows, "key_id": kid})


@login_not_required
@require_GET
@cache_control(public=True, max_age=300)
def checkpoints_json(request: HttpRequest) -> HttpResponse:
    """/audit/checkpoints.json"""
    body = json.dumps(published_document(), indent=2, sort_keys=True)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = 'inline; filename="audit-checkpoints.json"'
    return response


@login_not_required
@require_GET
@cache_control(public=True, max_age=3600)
def checkpoint_public_key_pem(request: HttpRequest) -> HttpResponse:
    """/.well-known/audit-checkpoint-key.pem"""
    try:
        key = checkpoint_public_key()
    except SigningKeyError:
        raise Http404("No audit checkpoint key is configured.") from None
    return HttpResponse(public_key_pem(key), content_type="application/x-pem-file")
