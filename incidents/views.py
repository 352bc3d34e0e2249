"""Staff pages for incidents. Every view fetches the case through `access` and changes it through
`services` or `workflow`; a refused step is answered with the page and the right status code."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.audit import record_event
from portal.paging import page_number, querystring_without_page

from . import access, exports, services, workflow
from .evidence import evidence_for
from .timeline import case_timeline
from .forms import (
    AssignForm,
    FindingForm,
    IncidentFilterForm,
    IncidentForm,
    NoteForm,
    PersonFormSet,
    PublicSummaryForm,
    PublishForm,
    TransitionForm,
    people_rows,
)
from .models import Incident, IncidentState
from .vocabulary import CITY_BOUNDS
from .search import filter_incidents
from .workflow import TransitionRefused

PAGE_SIZE = 25


@login_required
@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    form = IncidentFilterForm(request.GET or None)
    incidents = access.visible_incidents(request.user).select_related("assigned_investigator", "reporter")
    if form.is_bound and form.is_valid():
        incidents = filter_incidents(incidents, form.cleaned_data, include_private=access.may_search_private_text(request.user))
    page = Paginator(incidents.order_by("-created_at", "-id"), PAGE_SIZE).get_page(page_number(request))
    return render(
        request,
        "incidents/list.html",
        {"form": form, "page": page, "querystring": querystring_without_page(request), "can_file": access.can_file(request.user)},
    )


def _people_initial(incident: Incident | None) -> list[dict]:
    if incident is None:
        return []
    return [{k: getattr(p, k) for k in services.PERSON_FIELDS} for p in incident.people.all()]


def _add_service_errors(form: IncidentForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
@require_http_methods(["GET", "POST"])
def incident_new(request: HttpRequest) -> HttpResponse:
    if not access.can_file(request.user):
        raise services.refuse("incident.filed", actor=request.user, incident=None, status=403,
                              message="You may not file incidents.", request=request)
    return _incident_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def incident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    incident = access.get_visible_incident(request.user, pk)
    if not access.can_edit(request.user, incident):
        raise services.refuse("incident.updated", actor=request.user, incident=incident, status=403,
                              message="You may not edit this case.", request=request)
    return _incident_form(request, incident)


def _incident_form(request: HttpRequest, incident: Incident | None) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = IncidentForm(request.POST, instance=Incident.objects.get(pk=incident.pk) if incident else None)
        formset = PersonFormSet(request.POST, prefix="people")
        submit = "submit" in request.POST
        if form.is_valid() and formset.is_valid():
            try:
                if incident is None:
                    incident = services.file_incident(reporter=request.user, data=form.data_for_service(),
                                                      people=people_rows(formset), submit=submit, request=request)
                else:
                    incident = services.update_incident(incident, actor=request.user, data=form.data_for_service(),
                                                        people=people_rows(formset), submit=submit, request=request)
            except ValidationError as error:
                _add_service_errors(form, error)
            except TransitionRefused as refusal:
                if refusal.status == 404:
                    raise Http404 from None
                form.add_error(None, refusal.message)
                for field, errors in refusal.errors.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, f"{incident.reference} {'submitted' if incident.state != IncidentState.DRAFT else 'saved as a draft'}.")
                return redirect(incident.get_absolute_url())
        status = 400
    else:
        form = IncidentForm(instance=incident)
        formset = PersonFormSet(prefix="people", initial=_people_initial(incident))
    min_lat, min_lon, max_lat, max_lon = CITY_BOUNDS
    return render(request, "incidents/form.html", {
        "form": form, "formset": formset, "incident": incident,
        "city_bounds": json.dumps([[float(min_lat), float(min_lon)], [float(max_lat), float(max_lon)]]),
        "map_tile_url": settings.PUBLIC_MAP_TILE_URL,
    }, status=status)


def _detail_context(request: HttpRequest, incident: Incident, **overrides) -> dict:
    user = request.user
    available = workflow.available_transitions(user, incident)
    # Proposing findings has its own form (text and outcome); every other step is a button with a reason.
    transitions = [t for t in available if t.action != "propose_findings"]
    proposing = len(transitions) < len(available)
    private, investigation = access.can_view_private(user, incident), access.can_read_investigation(user, incident)
    context = {
        "incident": incident,
        "can_view_private": private,
        "can_read_investigation": investigation,
        "people": incident.people.all() if private else [],
        "evidence": evidence_for(user, incident),
        "may_read_audit": access.can_read_audit_trail(user),
        "notes": incident.notes.select_related("author") if investigation else [],
        "findings": incident.findings.select_related("author", "decided_by") if investigation else [],
        "timeline": case_timeline(incident),
        "transitions": transitions,
        "transition_errors": {},
        "outcome_choices": TransitionForm.base_fields["outcome"].choices,
        "can_edit": access.can_edit(user, incident),
        "assign_form": AssignForm(initial={"investigator": incident.assigned_investigator_id}) if access.can_assign(user, incident) else None,
        "note_form": NoteForm() if access.can_add_note(user, incident) else None,
        "finding_form": FindingForm() if proposing else None,
        "summary_form": PublicSummaryForm(initial={"public_summary": incident.public_summary})
        if access.can_write_public_summary(user, incident) else None,
        "publish_form": PublishForm(initial={"precision": incident.public_location_precision})
        if access.can_publish(user, incident) and incident.state in workflow.PUBLISHABLE_STATES else None,
        "error": None,
    }
    context.update(overrides)
    return context


@login_required
@require_GET
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        incident = access.get_visible_incident(request.user, pk)
    except Http404:
        services.record_refused_view(pk, actor=request.user, request=request)
        raise
    services.record_view(incident, actor=request.user, request=request)
    return render(request, "incidents/detail.html", _detail_context(request, incident))


def _incident_for_action(request: HttpRequest, pk: int, action: str) -> Incident:
    try:
        return access.get_visible_incident(request.user, pk)
    except Http404:
        services.refuse(f"incident.{action}", actor=request.user, incident=None, object_id=pk, status=404,
                        message="No such incident.", request=request)
        raise


def _invalid(form) -> ValidationError:
    return ValidationError({field: list(errors) for field, errors in form.errors.items()})


def _refused(request: HttpRequest, incident: Incident, refusal: TransitionRefused | ValidationError, **context) -> HttpResponse:
    if isinstance(refusal, TransitionRefused):
        if refusal.status == 404:
            raise Http404
        status, message, field_errors = refusal.status, refusal.message, refusal.errors
    else:
        status, message = 400, "Please correct the errors below."
        field_errors = refusal.message_dict if hasattr(refusal, "error_dict") else {"__all__": refusal.messages}
    incident.refresh_from_db()
    return render(
        request,
        "incidents/detail.html",
        _detail_context(request, incident, error={"message": message, "fields": field_errors}, **context),
        status=status,
    )


@login_required
@require_POST
def incident_transition(request: HttpRequest, pk: int) -> HttpResponse:
    form = TransitionForm(request.POST)
    # Only a known step names the audit event: the raw value may be any text, NUL included.
    action = request.POST.get("action") or ""
    incident = _incident_for_action(request, pk, action if action in workflow.TRANSITIONS else "transition")
    if not form.is_valid():
        return _refused(request, incident, _invalid(form))
    try:
        incident = workflow.apply_transition(incident, form.cleaned_data["action"], actor=request.user,
                                             reason=form.cleaned_data["reason"], outcome=form.cleaned_data["outcome"] or None,
                                             request=request)
    except TransitionRefused as refusal:
        return _refused(request, incident, refusal)
    messages.success(request, f"{incident.reference} is now {incident.get_state_display().lower()}.")
    return redirect(incident.get_absolute_url())


def _form_action(request: HttpRequest, pk: int, action: str, form_class, form_key: str, perform, done: str,
                 may_see_reasons=None) -> HttpResponse:
    """One form posted from the case page: an invalid form or a refusal shows the page again with the form as
    typed; success says so and goes back to the case. `may_see_reasons` hides form errors from one who may not act."""
    incident = _incident_for_action(request, pk, action)
    form = form_class(request.POST)
    if not form.is_valid():
        if may_see_reasons is not None and not may_see_reasons(request.user, incident):
            return _refused(request, incident, TransitionRefused("You may not do this on this case.", status=403))
        return _refused(request, incident, _invalid(form), **{form_key: form})
    try:
        perform(incident, form.cleaned_data)
    except (TransitionRefused, ValidationError) as refusal:
        return _refused(request, incident, refusal)
    messages.success(request, done)
    return redirect(incident.get_absolute_url())


@login_required
@require_POST
def incident_findings(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_action(
        request, pk, "propose_findings", FindingForm, "finding_form",
        lambda incident, data: workflow.apply_transition(incident, "propose_findings", actor=request.user, reason=data["text"],
                                                         outcome=data["outcome"], request=request),
        "Findings proposed; a supervisor will review them.")


@login_required
@require_POST
def incident_assign(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_action(
        request, pk, "assigned", AssignForm, "assign_form",
        lambda incident, data: workflow.assign_investigator(incident, actor=request.user, investigator=data["investigator"],
                                                            reason=data["reason"], request=request),
        "Investigator assigned; they have been told by email.", may_see_reasons=access.can_assign)


@login_required
@require_POST
def incident_note(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_action(
        request, pk, "note_added", NoteForm, "note_form",
        lambda incident, data: services.add_note(incident, actor=request.user, text=data["text"], request=request),
        "Note added.")


@login_required
@require_POST
def incident_public_summary(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_action(
        request, pk, "public_summary_changed", PublicSummaryForm, "summary_form",
        lambda incident, data: services.set_public_summary(incident, actor=request.user, text=data["public_summary"],
                                                           request=request),
        "Public summary saved.")


@login_required
@require_POST
def incident_publish(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident_for_action(request, pk, "published")
    try:
        if request.POST.get("unpublish"):
            workflow.unpublish_incident(incident, actor=request.user, reason=request.POST.get("reason", "")[:2000], request=request)
            messages.success(request, "The incident is no longer public.")
        else:
            form = PublishForm(request.POST)
            if not form.is_valid():
                return _refused(request, incident, _invalid(form), publish_form=form)
            workflow.publish_incident(incident, actor=request.user, precision=form.cleaned_data["precision"], request=request)
            messages.success(request, "The incident is published on the public site.")
    except TransitionRefused as refusal:
        return _refused(request, incident, refusal)
    return redirect(incident.get_absolute_url())


@login_required
@require_GET
def incident_export(request: HttpRequest) -> StreamingHttpResponse:
    form = IncidentFilterForm(request.GET or None)
    incidents = access.visible_incidents(request.user)
    if form.is_bound and form.is_valid():
        incidents = filter_incidents(incidents, form.cleaned_data, include_private=access.may_search_private_text(request.user))
    record_event(actor=request.user, action="incident.exported", object_type="incidents.incident", request=request,
                 detail={"count": incidents.count(), "filters": {k: str(v) for k, v in request.GET.items()}})
    response = StreamingHttpResponse(exports.incident_rows(incidents), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="incidents.csv"'
    return response
