"""The case page in every state for every role, and the page forms besides the workflow buttons."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from incidents.models import IncidentState
from portal.models import AuditEvent
from tests.factories.incidents import make_incident_in_state
from tests.personas import sign_in_verified
from tests.people_per_module import people  # noqa: F401 (made once for the module)

pytestmark = pytest.mark.django_db

ROLES = ["reporter", "other_reporter", "investigator", "other_investigator", "supervisor", "release_officer", "auditor", "admin"]


def test_the_case_page_renders_in_every_state_for_everyone_who_may_see_it(people, client):
    for state in IncidentState.values:
        incident = make_incident_in_state(state, reporter=people.reporter, supervisor=people.supervisor,
                                          investigator=people.investigator,
                                          people=[{"role": "witness", "name": "Maria A.", "contact": "555-0100"}])
        for role in ROLES:
            sign_in_verified(client, getattr(people, role))
            response = client.get(reverse("incidents:detail", args=[incident.pk]))
            hidden = role in ("other_reporter", "other_investigator", "admin") or (
                role == "investigator" and incident.assigned_investigator_id is None) or (
                state == IncidentState.DRAFT and role != "reporter") or (
                role == "release_officer" and state in (IncidentState.SUBMITTED, IncidentState.TRIAGE))
            assert response.status_code == (404 if hidden else 200), (state, role)
            if not hidden:
                assert ("Maria A." in response.content.decode()) == (role != "release_officer"), (state, role)
                assert incident.reference in response.content.decode()


def test_assigning_from_the_case_page(people, client, django_capture_on_commit_callbacks):
    incident = make_incident_in_state(IncidentState.TRIAGE, reporter=people.reporter, supervisor=people.supervisor)
    url = reverse("incidents:assign", args=[incident.pk])
    sign_in_verified(client, people.auditor)
    assert client.post(url, {"assign-investigator": people.investigator.pk}).status_code == 403
    sign_in_verified(client, people.reporter)
    assert client.post(url, {"assign-investigator": people.investigator.pk}).status_code == 403
    sign_in_verified(client, people.supervisor)
    response = client.post(url, {"assign-investigator": people.reporter.pk})
    assert response.status_code == 400 and "investigator" in response.context["error"]["fields"]
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"assign-investigator": people.investigator.pk}).status_code == 302
    incident.refresh_from_db()
    assert incident.assigned_investigator == people.investigator
    assert mail.outbox[-1].to == ["ivan@city.invalid"]
    assert AuditEvent.objects.filter(object_id=str(incident.pk), action="incident.assigned", outcome="refused").count() >= 2


def test_notes_and_findings_from_the_case_page(people, client):
    incident = make_incident_in_state(IncidentState.INVESTIGATION, reporter=people.reporter, supervisor=people.supervisor,
                                      investigator=people.investigator)
    sign_in_verified(client, people.reporter)
    assert client.post(reverse("incidents:notes", args=[incident.pk]), {"note-text": "Me too"}).status_code == 403
    assert client.post(reverse("incidents:findings", args=[incident.pk]),
                       {"finding-text": "Mine", "finding-outcome": "sustained"}).status_code == 403
    sign_in_verified(client, people.investigator)
    assert client.post(reverse("incidents:notes", args=[incident.pk]), {"note-text": "Called the witness."}).status_code == 302
    response = client.post(reverse("incidents:findings", args=[incident.pk]), {"finding-text": "", "finding-outcome": "sustained"})
    assert response.status_code == 400 and "text" in response.context["error"]["fields"]
    assert client.post(reverse("incidents:findings", args=[incident.pk]),
                       {"finding-text": "Force was excessive.", "finding-outcome": "sustained"}).status_code == 302
    incident.refresh_from_db()
    assert incident.state == IncidentState.FINDINGS_PROPOSED and incident.notes.count() == 1


def test_publishing_from_the_case_page(people, client):
    incident = make_incident_in_state(IncidentState.CLOSED, reporter=people.reporter, supervisor=people.supervisor,
                                      investigator=people.investigator)
    sign_in_verified(client, people.release_officer)
    response = client.post(reverse("incidents:publish", args=[incident.pk]), {"publish-precision": "block"})
    assert response.status_code == 400 and "public_summary" in response.context["error"]["fields"]
    assert client.post(reverse("incidents:public-summary", args=[incident.pk]),
                       {"summary-public_summary": "Agents detained a man outside a bakery."}).status_code == 302
    assert client.post(reverse("incidents:publish", args=[incident.pk]), {"publish-precision": "neighbourhood"}).status_code == 302
    incident.refresh_from_db()
    assert incident.published_at and incident.public_location_precision == "neighbourhood"
    sign_in_verified(client, people.auditor)
    assert client.post(reverse("incidents:publish", args=[incident.pk]), {"unpublish": "1"}).status_code == 403
    sign_in_verified(client, people.release_officer)
    assert client.post(reverse("incidents:publish", args=[incident.pk]), {"unpublish": "1"}).status_code == 302
    incident.refresh_from_db()
    assert incident.published_at is None and incident.public_latitude is None


def test_a_reporter_cannot_rewrite_a_submitted_report_through_the_api(people, api_client):
    incident = make_incident_in_state(IncidentState.SUBMITTED, reporter=people.reporter)
    response = api_client(people.reporter).patch(f"/api/incidents/{incident.pk}/", {"narrative": "Changed."}, format="json")
    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.narrative != "Changed."
    assert AuditEvent.objects.filter(object_id=str(incident.pk), action="incident.updated", outcome="refused").count() == 1


def test_pages_refuse_the_wrong_method(people, client):
    incident = make_incident_in_state(IncidentState.SUBMITTED, reporter=people.reporter)
    sign_in_verified(client, people.supervisor)
    assert client.get(reverse("incidents:transition", args=[incident.pk])).status_code == 405
    assert client.post(reverse("incidents:list")).status_code == 405


@pytest.mark.parametrize("role", ["release_officer", "auditor", "admin"])
def test_roles_that_do_not_file_are_refused_the_form_and_the_api_and_it_is_audited(people, client, api_client, role):
    user = getattr(people, role)
    sign_in_verified(client, user)
    assert client.get(reverse("incidents:new")).status_code == 403
    assert api_client(user).post("/api/incidents/", {"address": "x"}, format="json").status_code == 403
    assert AuditEvent.objects.filter(actor_username=user.username, action="incident.filed", outcome="refused").count() == 2
