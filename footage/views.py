"""Staff pages for footage: the list, the upload page, an item's page with its player, processing
progress and chain of custody, and the byte-sending endpoints behind them.

Each view finds the item with `get_visible_footage` (404 for what the user may not see) and checks
the action with `footage.access` (403, audited, for what they may not do).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from incidents.access import can_read_audit_trail, visible_incidents
from portal.audit import record_event
from portal.models import AuditOutcome

from .access import can_download_original, can_upload_to, can_verify, get_visible_footage, visible_footage
from .custody import custody_log, record_custody, verify_original
from .downloads import image_response, original_response, proxy_response
from .ingest_warnings import warnings_for
from .models import CustodyAction, FootageItem, FootageKind, JobState
from .lifecycle_views import lifecycle_context
from .reports import custody_report_response

POLL_STATES = (JobState.QUEUED, JobState.RUNNING)


def _refuse(request: HttpRequest, item: FootageItem, action: str, reason: str):
    record_event(actor=request.user, action=action, target=item, outcome=AuditOutcome.REFUSED, reason=reason, request=request)
    raise PermissionDenied("Your role may not do this with footage.")


@require_GET
def footage_list(request: HttpRequest) -> HttpResponse:
    items = visible_footage(request.user).select_related("incident", "uploaded_by")
    incident = None
    if request.GET.get("incident"):
        incident = visible_incidents(request.user).filter(pk=_int_or_none(request.GET["incident"])).first()
        if incident is None:
            raise Http404("No such incident.")
        items = items.filter(incident=incident)
    return render(request, "footage/list.html", {"items": items[:200], "incident": incident})


def _uploadable_incidents(user):
    candidates = visible_incidents(user).order_by("-pk")[:300]
    return [incident for incident in candidates if can_upload_to(user, incident)]


@require_GET
def upload_page(request: HttpRequest) -> HttpResponse:
    incidents = _uploadable_incidents(request.user)
    selected = _int_or_none(request.GET.get("incident"))
    return render(
        request,
        "footage/upload.html",
        {"incidents": incidents, "selected": selected, "kinds": FootageKind.choices},
    )


@require_GET
def footage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_visible_footage(request.user, pk)
    record_custody(item, CustodyAction.VIEWED, actor=request.user, request=request, detail={"via": "staff page"})
    return render(
        request,
        "footage/detail.html",
        {
            "item": item,
            "jobs": list(item.jobs.all()),
            "polling": item.jobs.filter(state__in=POLL_STATES).exists(),
            "custody": custody_log(item),
            "may_download": can_download_original(request.user, item) and item.deleted_at is None,
            "may_verify": can_verify(request.user, item) and item.deleted_at is None,
            **lifecycle_context(request.user, item),
            "may_read_audit": can_read_audit_trail(request.user),
            "ingest_warnings": warnings_for(item, visible=visible_footage(request.user)) if can_verify(request.user, item) else [],
        },
    )


@require_GET
def footage_jobs(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress panel, polled by htmx every 2 s while a job is queued or running."""
    item = get_visible_footage(request.user, pk)
    jobs = list(item.jobs.all())
    return render(
        request,
        "footage/_jobs.html",
        {"item": item, "jobs": jobs, "polling": any(job.state in POLL_STATES for job in jobs)},
    )


@require_GET
def footage_stream(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_visible_footage(request.user, pk)
    if not item.proxy:
        raise Http404("The web version of this footage is not ready yet.")
    return proxy_response(item, request=request)


@require_GET
def footage_poster(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_visible_footage(request.user, pk)
    if not item.poster:
        raise Http404("No poster yet.")
    return image_response(item.poster)


@require_GET
def footage_strip(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_visible_footage(request.user, pk)
    if not item.thumbnail_strip:
        raise Http404("No thumbnail strip yet.")
    return image_response(item.thumbnail_strip)


@require_GET
def footage_original(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_visible_footage(request.user, pk)
    if not can_download_original(request.user, item):
        _refuse(request, item, "footage.download_refused", "may not download originals")
    if item.deleted_at is not None:
        return HttpResponse("This original was deleted when its retention ended; its tombstone remains.", status=410, content_type="text/plain")
    return original_response(item, request=request)


@require_POST
def footage_verify(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_visible_footage(request.user, pk)
    if not can_verify(request.user, item):
        _refuse(request, item, "footage.verify_refused", "may not verify originals")
    if verify_original(item, actor=request.user, request=request):
        messages.success(request, "Verified: the stored original still has the SHA-256 taken at ingest.")
    else:
        messages.error(request, "Verification FAILED: the stored original does not match its ingest hash. Administrators have been alerted.")
    return redirect("footage:detail", pk=item.pk)


@require_GET
def footage_custody_report(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    item = get_visible_footage(request.user, pk)
    return custody_report_response(item, fmt, request=request)


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
