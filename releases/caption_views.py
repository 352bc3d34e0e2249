"""Staff endpoints of the captions panel on the review page: the draft and suggestions as JSON
(or, while the transcription job runs, how far it got), and the reviewer's edits, review and
hidden words. Every change goes through `captions`, which
checks the actor and the release; refusals are a 4xx with a JSON body."""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.http import require_GET, require_POST
from django.contrib.auth.decorators import login_required

from . import captions, transcription
from .errors import ReleaseError
from .models import ReleaseState
from .views import _reviewable

MAX_JSON_BODY = 256 * 1024


def _error_json(exc: ReleaseError) -> JsonResponse:
    return JsonResponse(exc.as_json(), status=exc.status)


def _body(request: HttpRequest) -> dict:
    if request.content_type != "application/json":
        return request.POST.dict()
    if len(request.body) > MAX_JSON_BODY:
        raise ReleaseError("The request is too large.", code="too_large")
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ReleaseError("The request body is not valid JSON.", code="bad_json") from None
    if not isinstance(data, dict):
        raise ReleaseError("The request body must be a JSON object.", code="bad_json")
    return data


def transcript_payload(release, transcript) -> dict:
    """Staff side only: names of the incident's people may appear among the suggestions."""
    if transcript is None:
        job = transcription.active_job(release)
        drafting = job and {"state": job.state, "percent": job.percent, "stage": job.stage, "attempts": job.attempts}
        return {"transcript": None, "drafting": drafting or None}
    return {
        "transcript": {
            "id": transcript.pk, "status": transcript.status, "status_label": transcript.get_status_display(),
            "problem": transcript.problem, "language": transcript.language, "engine": transcript.engine,
            "words": transcript.words, "cues": transcript.cues,
            "reviewed": transcript.reviewed, "stated_no_speech": transcript.stated_no_speech,
            "reviewed_by": transcript.reviewed_by.get_username() if transcript.reviewed_by_id else None,
            "reviewed_at": transcript.reviewed_at.isoformat() if transcript.reviewed_at else None,
        },
        "suggestions": captions.suggestions(transcript),
        "hide_reasons": [{"value": r.value, "label": r.label} for r in captions.HIDE_REASONS],
        "editable": release.state == ReleaseState.IN_REVIEW,
        "approval_problem": (p.message if (p := captions.approval_problem(release)) else ""),
    }


def _current(request, pk):
    release = _reviewable(request, pk)
    transcript = captions.current_transcript(release)
    return release, transcript


def _run(request, pk, change):
    release, transcript = _current(request, pk)
    if transcript is None:
        raise Http404("This render has no transcript.")
    try:
        change(transcript, _body(request))
    except ReleaseError as exc:
        return _error_json(exc)
    release.refresh_from_db()
    return JsonResponse(transcript_payload(release, captions.current_transcript(release)))


@login_required
@require_GET
def captions_data(request: HttpRequest, pk: int) -> JsonResponse:
    release, transcript = _current(request, pk)
    return JsonResponse(transcript_payload(release, transcript))


@login_required
@require_POST
def captions_save(request: HttpRequest, pk: int) -> JsonResponse:
    return _run(request, pk, lambda t, data: captions.save_cues(t, data.get("cues"), actor=request.user, request=request))


@login_required
@require_POST
def captions_review(request: HttpRequest, pk: int) -> JsonResponse:
    return _run(request, pk, lambda t, data: captions.mark_reviewed(
        t, actor=request.user, no_speech=data.get("no_speech") in (True, "1", "true", "on"), request=request))


@login_required
@require_POST
def captions_hide(request: HttpRequest, pk: int) -> JsonResponse:
    return _run(request, pk, lambda t, data: captions.hide_words(
        t, data.get("first"), data.get("last"), kind=str(data.get("kind") or ""), reason=str(data.get("reason") or ""),
        note=str(data.get("note") or "")[:500], actor=request.user, request=request))
