"""Staff pages for releases: list, detail with its actions, and the review page.

Every view fetches the release through `access.get_visible_release` (404 for what the user may
not see) and changes it only through `workflow`, which decides what the user may do (403 for
actions refused on a release they can see). The review page's script makes its changes through
the staff API (`releases.api`), the one place that serves them as JSON.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from footage.access import get_visible_footage
from footage.downloads import proxy_response
from media import MediaError
from portal.byte_ranges import ranged_file_response

from . import access, captions, signoff, thumbnails, workflow
from .errors import ReleaseError
from .models import RedactionMode, RedactionReason, ReleaseState, RenderJob, RenderState, WithholdGround
from .review_data import review_payload
from .selectors import overdue_releases

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
    """The detail and review pages' forms; programs and the review page's script use the API."""
    release = access.get_visible_release(request.user, pk)
    data = request.POST.dict()
    try:
        workflow.apply_release_transition(
            release, str(data.get("action", "")), actor=request.user, reason=str(data.get("reason", ""))[:2000],
            ground=data.get("ground") or None, review_on=data.get("review_on") or None, request=request,
        )
    except ReleaseError as exc:
        context = _detail_context(request, release, error=exc, posted=data)
        return render(request, "releases/detail.html", context, status=exc.status)
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
        status=error.status if error else 200,
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
def region_thumbnail(request: HttpRequest, pk: int, track_id: int) -> HttpResponse:
    release = _reviewable(request, pk)
    try:
        picture = thumbnails.region_thumbnail(release, track_id, actor=request.user, request=request)
    except MediaError:
        return JsonResponse({"detail": "The picture of this region could not be made right now.", "code": "unavailable"}, status=503)
    if picture is None:
        raise Http404("This render has no such region.")
    return HttpResponse(picture, content_type="image/jpeg", headers={"Cache-Control": "private, no-store"})


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
