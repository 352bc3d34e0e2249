"""Staff pages for releases: list, detail with its actions, the review page and its endpoints.

Every view fetches the release through `access.get_visible_release` (404 for what the user may
not see) and changes it only through `workflow` and `review`, which decide what the user may do
(403 for actions refused on a release they can see).
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from footage.access import get_visible_footage
from footage.downloads import proxy_response
from portal.byte_ranges import ranged_file_response

from . import access, captions, review, signoff, workflow
from .errors import ReleaseError, ReleaseForbidden
from .models import RedactionChange, RedactionMode, RedactionReason, ReleaseState, RenderJob, RenderState, WithholdGround
from .review_data import review_payload
from .selectors import overdue_releases

MAX_JSON_BODY = 256 * 1024


def _wants_json(request: HttpRequest) -> bool:
    return request.content_type == "application/json" or "application/json" in request.headers.get("Accept", "")


def _error_status(exc: ReleaseError) -> int:
    return 403 if isinstance(exc, ReleaseForbidden) else 400


def _error_json(exc: ReleaseError) -> JsonResponse:
    return JsonResponse({"errors": {exc.field or "__all__": [exc.message]}, "code": exc.code}, status=_error_status(exc))


def _body(request: HttpRequest) -> dict:
    if request.content_type == "application/json":
        if len(request.body) > MAX_JSON_BODY:
            raise ReleaseError("The request is too large.", code="too_large")
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise ReleaseError("The request body is not valid JSON.", code="bad_json") from None
        if not isinstance(data, dict):
            raise ReleaseError("The request body must be a JSON object.", code="bad_json")
        return data
    data = request.POST.dict()
    if "keyframes" in data:
        try:
            data["keyframes"] = json.loads(data["keyframes"])
        except ValueError:
            data["keyframes"] = None
    return data


@login_required
@require_GET
def release_list(request: HttpRequest) -> HttpResponse:
    releases = access.visible_releases(request.user).select_related("incident", "footage")
    state = request.GET.get("state", "")
    if state in ReleaseState.values:
        releases = releases.filter(state=state)
    shown = list(releases[:200])
    overdue = set(overdue_releases().filter(pk__in=[r.pk for r in shown]).values_list("pk", flat=True))
    return render(request, "releases/list.html", {"releases": shown, "overdue": overdue, "states": ReleaseState.choices, "state": state})


def _detail_context(request, release, **extra) -> dict:
    return {
        "release": release,
        "overdue": overdue_releases().filter(pk=release.pk).exists(),
        "actions": workflow.available_actions(release, request.user),
        "grounds": WithholdGround.choices,
        "review_days": settings.WITHHELD_REVIEW_DAYS,
        "default_review_on": timezone.localdate() + timedelta(days=settings.WITHHELD_REVIEW_DAYS),
        "changes": release.changes.select_related("created_by", "confirmed_by", "withdrawn_by"),
        "jobs": RenderJob.objects.filter(release=release)[:5],
        "can_review": access.can_review(request.user) and release.state == ReleaseState.IN_REVIEW,
        "is_officer": access.can_review(request.user),
        "signing": signoff.signing_status(release, request.user),
        "transcript": captions.current_transcript(release),
        **_progress_context(release, _active_render(release)),
        **extra,
    }


def _active_render(release) -> RenderJob | None:
    return RenderJob.objects.filter(release=release, state__in=[RenderState.QUEUED, RenderState.RUNNING]).first()


def _time_left(seconds: int | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes} min {seconds:02d} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def _progress_context(release, job: RenderJob | None, *, finished: bool = False) -> dict:
    return {"release": release, "job": job, "time_left": _time_left(job.seconds_left if job else None), "finished": finished}


@login_required
@require_GET
def render_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The render's progress, polled by htmx every 2 s from the release and review pages while it runs."""
    release = access.get_visible_release(request.user, pk)
    job = _active_render(release)
    return render(request, "releases/_progress.html", _progress_context(release, job, finished=job is None))


@login_required
@require_GET
def release_detail(request: HttpRequest, pk: int) -> HttpResponse:
    release = access.get_visible_release(request.user, pk)
    return render(request, "releases/detail.html", _detail_context(request, release))


@login_required
@require_POST
def release_transition(request: HttpRequest, pk: int) -> HttpResponse:
    release = access.get_visible_release(request.user, pk)
    data: dict = {}
    try:
        data = _body(request)
        workflow.apply_release_transition(
            release, str(data.get("action", "")), actor=request.user, reason=str(data.get("reason", ""))[:2000],
            ground=data.get("ground") or None, review_on=data.get("review_on") or None, request=request,
        )
    except ReleaseError as exc:
        if _wants_json(request):
            return _error_json(exc)
        context = _detail_context(request, release, error=exc, posted=data)
        return render(request, "releases/detail.html", context, status=_error_status(exc))
    if _wants_json(request):
        return JsonResponse({"id": release.pk, "state": release.state})
    return redirect("releases:detail", pk=release.pk)


@login_required
@require_http_methods(["GET", "POST"])
def request_release_view(request: HttpRequest, footage_pk: int) -> HttpResponse:
    footage = get_visible_footage(request.user, footage_pk)
    if not access.may_request_release_of(request.user, footage):
        raise PermissionDenied("Only a supervisor or the assigned investigator may ask for a release.")
    error = None
    if request.method == "POST":
        try:
            release = workflow.request_release(
                footage, actor=request.user, mode=request.POST.get("mode", ""), reason=request.POST.get("reason", "")[:2000],
                request=request,
            )
        except ReleaseError as exc:
            error = exc
        else:
            return redirect("releases:detail", pk=release.pk)
    return render(
        request, "releases/request.html",
        {"footage": footage, "modes": RedactionMode.choices, "error": error, "posted": request.POST},
        status=400 if error else 200,
    )


def _reviewable(request: HttpRequest, pk: int):
    release = access.get_visible_release(request.user, pk)
    if not access.can_review(request.user):
        raise PermissionDenied("Only release officers review redactions.")
    return release


@login_required
@require_GET
def review_page(request: HttpRequest, pk: int) -> HttpResponse:
    release = _reviewable(request, pk)
    return render(
        request, "releases/review.html",
        {
            "release": release,
            "redaction_reasons": RedactionReason.choices,
            "data_url": reverse("releases:review-data", args=[release.pk]),
            "editable": release.state == ReleaseState.IN_REVIEW,
            "actions": workflow.available_actions(release, request.user),
            "signing": signoff.signing_status(release, request.user),
            **_progress_context(release, _active_render(release)),
        },
    )


@login_required
@require_GET
def review_data(request: HttpRequest, pk: int) -> JsonResponse:
    release = _reviewable(request, pk)
    return JsonResponse(review_payload(release, request.user))


@login_required
@require_GET
def proxy_video(request: HttpRequest, pk: int) -> HttpResponse:
    release = _reviewable(request, pk)
    proxy = release.footage.proxy
    if not proxy:
        raise Http404("This footage has no web proxy yet.")
    # The same streaming as the footage page: one custody entry per viewing, not one per seek.
    return proxy_response(release.footage, request=request)


@login_required
@require_GET
def redacted_video(request: HttpRequest, pk: int) -> HttpResponse:
    release = access.get_visible_release(request.user, pk)
    if not release.release_file:
        raise Http404("Nothing has been rendered yet.")
    if not access.can_review(request.user) and release.state != ReleaseState.PUBLISHED:
        raise PermissionDenied("Only release officers watch a copy before it is published.")
    return ranged_file_response(
        request, release.release_file.storage, release.release_file.name, headers={"Cache-Control": "private, no-store"}
    )


def _mutation_response(request, release, run) -> HttpResponse:
    try:
        result = run()
    except ReleaseError as exc:
        if _wants_json(request):
            return _error_json(exc)
        return render(request, "releases/detail.html", _detail_context(request, release, error=exc), status=_error_status(exc))
    if _wants_json(request):
        return JsonResponse(result, status=200)
    return redirect("releases:review" if access.can_review(request.user) else "releases:detail", pk=release.pk)


@login_required
@require_POST
def add_change(request: HttpRequest, pk: int) -> HttpResponse:
    release = access.get_visible_release(request.user, pk)

    def run():
        change = review.add_change(release, _body(request), actor=request.user, request=request)
        return {"id": change.pk, "kind": change.kind}

    return _mutation_response(request, release, run)


def _change_of(release, change_pk) -> RedactionChange:
    return get_object_or_404(RedactionChange, pk=change_pk, release=release)


@login_required
@require_POST
def withdraw_change(request: HttpRequest, pk: int, change_pk: int) -> HttpResponse:
    release = access.get_visible_release(request.user, pk)
    change = _change_of(release, change_pk)
    return _mutation_response(
        request, release, lambda: {"id": review.withdraw_change(change, actor=request.user, request=request).pk}
    )


@login_required
@require_POST
def confirm_change(request: HttpRequest, pk: int, change_pk: int) -> HttpResponse:
    release = access.get_visible_release(request.user, pk)
    change = _change_of(release, change_pk)
    return _mutation_response(
        request, release, lambda: {"id": review.confirm_do_not_redact(change, actor=request.user, request=request).pk}
    )


@login_required
@require_POST
def clear_finding(request: HttpRequest, pk: int, index: int) -> HttpResponse:
    release = access.get_visible_release(request.user, pk)

    def run():
        data = _body(request)
        review.clear_finding(release, index, data.get("reason", ""), actor=request.user, request=request)
        return {"open_findings": len(release.open_findings)}

    return _mutation_response(request, release, run)

