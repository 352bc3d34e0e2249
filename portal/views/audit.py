"""The auditor's pages: the audit trail with its filters, its CSV export, and the chain verification."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from portal.audit import record_event
from portal.audit_trail import audit_rows, filter_events, require_auditor
from portal.event_words import action_words, object_ref
from portal.forms import AuditFilterForm
from portal.models import AuditOutcome
from portal.paging import page_number, querystring_without_page
from portal.trail_verification import verify_trails


def _filters(criteria: dict) -> dict[str, str]:
    return {k: str(v) for k, v in criteria.items() if v}


@require_GET
def audit_trail(request: HttpRequest) -> HttpResponse:
    require_auditor(request.user, action="audit.viewed", request=request)
    form = AuditFilterForm(request.GET or None)
    criteria = form.cleaned_data if form.is_bound and form.is_valid() else {}
    page = Paginator(filter_events(criteria), 50).get_page(page_number(request))
    for event in page.object_list:
        event.words = action_words(event.action)
        event.object_ref = object_ref(event.object_type, event.object_id)
    record_event(actor=request.user, action="audit.viewed", object_type="portal.auditevent", request=request,
                 detail={"filters": _filters(criteria)})
    return render(request, "portal/audit.html", {"form": form, "page": page, "querystring": querystring_without_page(request)},
                  status=200 if not form.is_bound or form.is_valid() else 400)


@require_http_methods(["GET", "POST"])
def audit_verify(request: HttpRequest) -> HttpResponse:
    """The auditor runs the chain verification from the interface and reads its result."""
    require_auditor(request.user, action="audit.verified", request=request)
    result = None
    if request.method == "POST":
        result = verify_trails()
        record_event(actor=request.user, action="audit.verified", object_type="portal.auditevent", request=request,
                     outcome=AuditOutcome.SUCCESS if result.ok else AuditOutcome.FAILED,
                     detail={"ok": result.ok, "chains": {c.table: {"checked": c.checked, "breaks": len(c.breaks)} for c in result.chains}})
    return render(request, "portal/audit_verify.html", {"result": result})


@require_GET
def audit_export(request: HttpRequest) -> HttpResponse:
    require_auditor(request.user, action="audit.exported", request=request)
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "portal/audit.html", {"form": form, "page": None, "querystring": ""}, status=400)
    criteria = form.cleaned_data if form.is_bound else {}
    events = filter_events(criteria)
    # The export is itself on the trail, written before the rows are read so it is included.
    record_event(actor=request.user, action="audit.exported", object_type="portal.auditevent", request=request,
                 detail={"filters": _filters(criteria)})
    response = StreamingHttpResponse(audit_rows(events), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-trail.csv"'
    return response
