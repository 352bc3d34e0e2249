"""Incidents for tests, made through `file_incident` and driven through the real workflow."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from incidents.models import Incident, IncidentState
from incidents.services import file_incident, set_public_summary
from incidents.workflow import apply_transition, assign_investigator, publish_incident


def incident_data(**overrides) -> dict:
    start = timezone.now() - timedelta(days=2)
    data = {
        "occurred_start": start,
        "occurred_end": start + timedelta(minutes=40),
        "address": "1400 Market Street",
        "neighbourhood": "old_market",
        "latitude": Decimal("41.499712"),
        "longitude": Decimal("-81.692345"),
        "on_city_property": False,
        "sensitive_location": "none",
        "agencies": ["ice_ero"],
        "agent_count": 4,
        "agents_masked": True,
        "agents_unidentified": False,
        "badge_numbers": "",
        "unit_identifiers": "",
        "vehicle_plates": "GOV 1234",
        "warrant_shown": "administrative",
        "categories": ["arrest_or_detention"],
        "injuries": "",
        "property_damage": "",
        "narrative": "Four masked agents detained a man outside the bakery.",
        "police_report_number": "PR-26-0001",
        "source": "officer_on_scene",
        "public_summary": "",
    }
    data.update(overrides)
    return data


def make_incident(*, reporter: User, submit: bool = False, people=(), **overrides) -> Incident:
    return file_incident(reporter=reporter, data=incident_data(**overrides), people=people, submit=submit)


_PATH = [
    IncidentState.DRAFT,
    IncidentState.SUBMITTED,
    IncidentState.TRIAGE,
    IncidentState.INVESTIGATION,
    IncidentState.FINDINGS_PROPOSED,
    IncidentState.CLOSED,
]


def make_incident_in_state(
    state: str,
    *,
    reporter: User,
    supervisor: User | None = None,
    investigator: User | None = None,
    outcome: str = "sustained",
    **overrides,
) -> Incident:
    """An incident walked through the real workflow up to `state`. Getting past triage needs a
    supervisor; getting to an investigation needs an investigator too."""
    state = IncidentState(state)
    incident = make_incident(reporter=reporter, **overrides)
    target = _PATH.index(state)
    if target >= 1:
        incident = apply_transition(incident, "submit", actor=reporter)
    if target >= 2:
        incident = apply_transition(incident, "start_triage", actor=supervisor)
    if target >= 3:
        incident = assign_investigator(incident, actor=supervisor, investigator=investigator)
        incident = apply_transition(incident, "open_investigation", actor=supervisor)
    if target >= 4:
        incident = apply_transition(
            incident, "propose_findings", actor=investigator, reason="The agents had no judicial warrant.", outcome=outcome
        )
    if target >= 5:
        incident = apply_transition(incident, "approve_findings", actor=supervisor, reason="Agreed.")
    return incident


def make_published_incident(
    *,
    reporter: User,
    supervisor: User,
    investigator: User,
    state: str = IncidentState.CLOSED,
    precision: str = "block",
    public_summary: str = "Federal agents detained a resident outside a bakery on Market Street.",
    publisher: User | None = None,
    **overrides,
) -> Incident:
    incident = make_incident_in_state(state, reporter=reporter, supervisor=supervisor, investigator=investigator, **overrides)
    incident = set_public_summary(incident, actor=supervisor, text=public_summary)
    return publish_incident(incident, actor=publisher or supervisor, precision=precision)
