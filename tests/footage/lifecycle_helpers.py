"""Closed cases whose footage has outlived its retention, for the lifecycle tests."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from footage.models import FootageItem
from incidents.models import Incident
from tests.factories.footage import make_footage
from incidents.workflow import apply_transition
from tests.factories.incidents import make_incident_in_state


def open_case(people, **overrides):
    return make_incident_in_state("investigation", reporter=people.reporter, supervisor=people.supervisor,
                                  investigator=people.investigator, **overrides)


def close(incident, people):
    incident = apply_transition(incident, "propose_findings", actor=people.investigator, reason="Done.", outcome="sustained")
    return apply_transition(incident, "approve_findings", actor=people.supervisor, reason="Agreed.")


def closed_case_with_footage(people, *, count: int = 1, categories=("arrest_or_detention",), **kwargs):
    """A closed case and its footage (added while the case was open, as only then it can be)."""
    case = open_case(people, categories=list(categories))
    items = [make_footage(incident=case, uploaded_by=people.investigator, **kwargs) for _ in range(count)]
    case = close(case, people)
    for item in items:
        item.refresh_from_db()
    return case, items


def age(incident, *, days: int) -> None:
    """Move a case's closing and its footage's upload `days` into the past: the one thing tests
    cannot do through the services, which always stamp now."""
    past = timezone.now() - timedelta(days=days)
    Incident.objects.filter(pk=incident.pk).update(closed_at=past)
    FootageItem.objects.filter(incident=incident).update(uploaded_at=past)
    incident.refresh_from_db()


def expired_footage(people, *, days: int = 1000, **kwargs) -> FootageItem:
    """Footage of a case closed `days` ago (past every default period)."""
    case, (item,) = closed_case_with_footage(people, **kwargs)
    age(case, days=days)
    item.refresh_from_db()
    return item
