"""The incident panels on the staff home page, per role."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from portal.dashboard import Panel
from portal.roles import Role, roles_of

from .access import visible_incidents
from .models import IncidentState

# A case whose state has not moved for this long shows as overdue to supervisors.
OVERDUE_AFTER = timedelta(days=14)
PANEL_SIZE = 10
TEMPLATE = "incidents/panels/incident_list.html"


def _panel(title: str, queryset, *, empty: str, order: int, more: dict | None = None, file_link: bool = False) -> Panel:
    incidents = list(queryset.order_by("state_changed_at", "id")[: PANEL_SIZE + 1])
    link = reverse("incidents:list") + ("?" + urlencode(more) if more else "") if len(incidents) > PANEL_SIZE else ""
    return Panel(title, TEMPLATE, {"incidents": incidents[:PANEL_SIZE], "empty": empty, "more": link, "file_link": file_link}, order)


def overdue_incidents(queryset):
    return queryset.exclude(state__in=[IncidentState.DRAFT, IncidentState.CLOSED]).filter(
        state_changed_at__lt=timezone.now() - OVERDUE_AFTER
    )


def incident_panels(request: HttpRequest) -> list[Panel]:
    user, roles = request.user, roles_of(request.user)
    visible = visible_incidents(user)
    panels: list[Panel] = []
    if Role.REPORTER in roles:
        mine = visible.filter(reporter=user)
        panels.append(_panel("My drafts", mine.filter(state=IncidentState.DRAFT), empty="No drafts.", order=10, file_link=True))
        panels.append(_panel("My reports", mine.exclude(state=IncidentState.DRAFT), empty="You have not submitted a report yet.",
                             order=11))
    if Role.INVESTIGATOR in roles:
        queue = visible.filter(assigned_investigator=user).exclude(state=IncidentState.CLOSED)
        panels.append(_panel("My queue", queue, empty="Nothing is assigned to you.", order=20))
    if Role.SUPERVISOR in roles:
        panels.append(_panel("Awaiting triage", visible.filter(state=IncidentState.SUBMITTED), empty="Nothing waits for triage.",
                             order=30, more={"state": IncidentState.SUBMITTED}))
        panels.append(_panel("Unassigned", visible.filter(assigned_investigator__isnull=True, state=IncidentState.TRIAGE),
                             empty="Every case in triage has an investigator.", order=31, more={"state": IncidentState.TRIAGE}))
        panels.append(_panel("Findings to approve", visible.filter(state=IncidentState.FINDINGS_PROPOSED),
                             empty="No findings wait for you.", order=32, more={"state": IncidentState.FINDINGS_PROPOSED}))
        panels.append(_panel(f"Overdue (no change in {OVERDUE_AFTER.days} days)", overdue_incidents(visible),
                             empty="Nothing is overdue.", order=33))
    if Role.AUDITOR in roles:
        panels.append(Panel("Audit trail", "incidents/panels/audit.html", {}, 40))
    return panels
