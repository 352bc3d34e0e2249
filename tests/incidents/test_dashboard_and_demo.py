"""The staff home's incident panels per role, and the demo cases `make run` loads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import demo
from incidents.models import Incident, IncidentState
from portal.demo import ensure_demo_users
from tests.factories.incidents import make_incident, make_incident_in_state
from tests.personas import sign_in_verified

pytestmark = pytest.mark.django_db


def _panels(client, user) -> dict[str, list[str]]:
    sign_in_verified(client, user)
    sections = client.get(reverse("staff-home")).context["sections"]
    return {p.title: [i.reference for i in p.context.get("incidents", [])] for p in sections}


def test_each_role_sees_its_own_queues(people, client):
    draft = make_incident(reporter=people.reporter)
    submitted = make_incident_in_state(IncidentState.SUBMITTED, reporter=people.reporter)
    triage = make_incident_in_state(IncidentState.TRIAGE, reporter=people.other_reporter, supervisor=people.supervisor)
    working = make_incident_in_state(IncidentState.INVESTIGATION, reporter=people.reporter, supervisor=people.supervisor,
                                     investigator=people.investigator)
    proposed = make_incident_in_state(IncidentState.FINDINGS_PROPOSED, reporter=people.reporter, supervisor=people.supervisor,
                                      investigator=people.investigator)
    Incident.objects.filter(pk=working.pk).update(state_changed_at=timezone.now() - timedelta(days=30))

    reporter = _panels(client, people.reporter)
    assert reporter["My drafts"] == [draft.reference]
    assert set(reporter["My reports"]) == {submitted.reference, working.reference, proposed.reference}
    assert _panels(client, people.investigator)["My queue"] == [working.reference, proposed.reference]
    assert _panels(client, people.other_investigator)["My queue"] == []
    supervisor = _panels(client, people.supervisor)
    assert supervisor["Awaiting triage"] == [submitted.reference]
    assert supervisor["Unassigned"] == [triage.reference]
    assert supervisor["Findings to approve"] == [proposed.reference]
    assert supervisor["Overdue (no change in 14 days)"] == [working.reference]
    assert "Audit trail" in _panels(client, people.auditor)
    assert not any(title in _panels(client, people.admin) for title in ("My drafts", "My queue", "Audit trail"))


def test_the_demo_loads_cases_in_every_state_once(role_groups):
    users = ensure_demo_users("demo password 123")
    demo.load(users=users)
    demo.load(users=users)
    incidents = Incident.objects.all()
    assert incidents.count() == len(demo.DEMO_CASES) >= 8
    assert {i.state for i in incidents} == set(IncidentState.values)
    published = incidents.filter(published_at__isnull=False)
    assert published.count() >= 3 and all(i.public_summary for i in published)
    assert len({i.neighbourhood for i in incidents}) >= 6
    assert len({i.occurred_start.month for i in incidents}) >= 6
