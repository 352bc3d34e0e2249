"""Hostile and mistaken input: field-level messages on the page, 400 with JSON errors from the API,
never a 500 and never a half-written record."""

from __future__ import annotations

import pytest
from django.urls import reverse

from incidents.models import Incident
from tests.factories.incidents import make_incident
from tests.personas import sign_in_verified
from tests.people_per_module import people  # noqa: F401 (made once for the module)

pytestmark = pytest.mark.django_db

GOOD_FORM = {
    "occurred_start": "2026-03-02T10:15",
    "occurred_end": "2026-03-02T10:45",
    "address": "1400 Market Street",
    "neighbourhood": "old_market",
    "latitude": "41.4997",
    "longitude": "-81.6923",
    "sensitive_location": "none",
    "agencies": ["ice_ero", "unknown_federal"],
    "agent_count": "3",
    "warrant_shown": "none",
    "categories": ["arrest_or_detention"],
    "narrative": "Three agents detained a man outside the bakery.",
    "source": "officer_on_scene",
    "people-TOTAL_FORMS": "2",
    "people-INITIAL_FORMS": "0",
    "people-MIN_NUM_FORMS": "0",
    "people-MAX_NUM_FORMS": "50",
    "people-0-role": "witness",
    "people-0-name": "Maria A.",
    "people-0-contact": "555-0100",
    "people-0-preferred_language": "Spanish",
}

GOOD_API = {
    "occurred_start": "2026-03-02T10:15:00-05:00",
    "occurred_end": "2026-03-02T10:45:00-05:00",
    "address": "1400 Market Street",
    "neighbourhood": "old_market",
    "latitude": "41.4997",
    "longitude": "-81.6923",
    "agencies": ["ice_ero"],
    "categories": ["arrest_or_detention"],
    "narrative": "Three agents detained a man outside the bakery.",
    "source": "officer_on_scene",
    "people": [{"role": "witness", "name": "Maria A.", "contact": "555-0100", "preferred_language": "Spanish"}],
}

# (what is wrong, the change, the field that must carry the message)
BAD_FORM = [
    ("end before start", {"occurred_end": "2026-03-02T09:00"}, "occurred_end"),
    ("coordinates outside the city", {"latitude": "40.7128", "longitude": "-74.0060"}, "latitude"),
    ("latitude without longitude", {"longitude": ""}, "longitude"),
    ("unknown neighbourhood", {"neighbourhood": "atlantis"}, "neighbourhood"),
    ("unknown agency", {"agencies": ["ice_ero", "cia"]}, "agencies"),
    ("unknown category", {"categories": ["jaywalking"]}, "categories"),
    ("unknown warrant type", {"warrant_shown": "napkin"}, "warrant_shown"),
    ("not a date", {"occurred_start": "yesterday-ish"}, "occurred_start"),
    ("negative agent count", {"agent_count": "-4"}, "agent_count"),
    ("huge narrative", {"narrative": "x" * 200_000}, "narrative"),
    ("huge address", {"address": "y" * 5_000}, "address"),
]

BAD_API = [
    ("end before start", {"occurred_end": "2026-03-02T09:00:00-05:00"}, "occurred_end"),
    ("coordinates outside the city", {"latitude": "40.7128", "longitude": "-74.0060"}, "latitude"),
    ("unknown neighbourhood", {"neighbourhood": "atlantis"}, "neighbourhood"),
    ("unknown agency", {"agencies": ["cia"]}, "agencies"),
    ("agencies not a list", {"agencies": "ice_ero"}, "agencies"),
    ("unknown category", {"categories": ["jaywalking"]}, "categories"),
    ("unknown source", {"source": "carrier pigeon"}, "source"),
    ("not a date", {"occurred_start": "soon"}, "occurred_start"),
    ("a start centuries ago", {"occurred_start": "0273-04-23T10:01:36Z"}, "occurred_start"),
    ("huge narrative", {"narrative": "x" * 200_000}, "narrative"),
    ("person with an unknown role", {"people": [{"role": "spy", "name": "X"}]}, "people"),
    ("too many people", {"people": [{"role": "witness"}] * 51}, "people"),
    ("a field that may not be set", {"state": "closed", "reference": "INC-1"}, None),
]


def test_a_good_report_is_filed_and_submitted_from_the_form(people, client):
    sign_in_verified(client, people.reporter)
    response = client.post(reverse("incidents:new"), {**GOOD_FORM, "submit": "1"})
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.state == "submitted" and incident.agencies == ["ice_ero", "unknown_federal"]
    assert [(p.role, p.name) for p in incident.people.all()] == [("witness", "Maria A.")]


def test_a_draft_can_be_saved_half_written_and_finished_later(people, client):
    sign_in_verified(client, people.reporter)
    response = client.post(reverse("incidents:new"), {**GOOD_FORM, "narrative": "", "agencies": [], "save_draft": "1"})
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.state == "draft"
    response = client.post(reverse("incidents:edit", args=[incident.pk]), {**GOOD_FORM, "narrative": "", "submit": "1"})
    assert response.status_code == 400
    assert "Describe what happened." in response.context["form"].errors["narrative"]
    incident.refresh_from_db()
    assert incident.state == "draft"
    response = client.post(reverse("incidents:edit", args=[incident.pk]), {**GOOD_FORM, "submit": "1"})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.state == "submitted" and incident.submitted_at is not None


@pytest.mark.parametrize("what,change,field", BAD_FORM, ids=[b[0] for b in BAD_FORM])
def test_bad_input_on_the_form_gets_a_message_on_its_field(people, client, what, change, field):
    sign_in_verified(client, people.reporter)
    response = client.post(reverse("incidents:new"), {**GOOD_FORM, **change, "submit": "1"})
    assert response.status_code == 400
    assert field in response.context["form"].errors, response.context["form"].errors
    assert f'id="{field}-error"' in response.content.decode() or f'{field}-error' in response.content.decode()
    assert not Incident.objects.exists()


def test_submitting_an_empty_form_lists_every_missing_field(people, client):
    sign_in_verified(client, people.reporter)
    response = client.post(reverse("incidents:new"), {**{k: v for k, v in GOOD_FORM.items() if k.startswith("people-TOTAL") or
                                                         k.startswith("people-INITIAL") or k.startswith("people-M")},
                                                      "sensitive_location": "none", "warrant_shown": "unknown", "submit": "1"})
    assert response.status_code == 400
    assert {"occurred_start", "address", "neighbourhood", "agencies", "categories", "narrative", "source"} <= set(
        response.context["form"].errors)
    assert not Incident.objects.exists()


def test_a_person_without_a_role_is_flagged_on_that_person(people, client):
    sign_in_verified(client, people.reporter)
    response = client.post(reverse("incidents:new"), {**GOOD_FORM, "people-1-name": "Someone", "submit": "1"})
    assert response.status_code == 400
    assert "role" in response.context["formset"].forms[1].errors


def test_a_good_report_is_filed_through_the_api(people, api_client):
    response = api_client(people.reporter).post("/api/incidents/", {**GOOD_API, "submit": True}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "submitted" and body["reference"].startswith("INC-")
    assert body["people"][0]["name"] == "Maria A."


@pytest.mark.parametrize("what,change,field", BAD_API, ids=[b[0] for b in BAD_API])
def test_bad_input_through_the_api_is_a_400_with_json_errors(people, api_client, what, change, field):
    response = api_client(people.reporter).post("/api/incidents/", {**GOOD_API, **change, "submit": True}, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    if field:
        assert field in errors or any(k.startswith(field) for k in errors), errors
    assert not Incident.objects.exists()


def test_a_missing_required_field_on_submit_is_a_400_listing_it(people, api_client):
    response = api_client(people.reporter).post("/api/incidents/", {"address": "Somewhere", "submit": True}, format="json")
    assert response.status_code == 400
    assert {"narrative", "agencies", "categories", "occurred_start"} <= set(response.json()["errors"])


@pytest.mark.parametrize("body,content_type", [
    ("{not json", "application/json"),
    ("[1, 2, 3]", "application/json"),
    ('{"agencies": {"$gt": ""}}', "application/json"),
    ('{"latitude": "NaN", "longitude": "Infinity"}', "application/json"),
    ('{"agent_count": 1e309}', "application/json"),
    ("\x00\xff\xfe", "application/json"),
])
def test_garbage_bodies_are_answered_with_400_not_500(people, api_client, body, content_type):
    response = api_client(people.reporter).post("/api/incidents/", body, content_type=content_type)
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")


def test_a_patch_with_bad_values_changes_nothing(people, api_client):
    incident = make_incident(reporter=people.reporter)
    response = api_client(people.reporter).patch(f"/api/incidents/{incident.pk}/",
                                                 {"address": "New address", "occurred_end": "2000-01-01T00:00:00Z"}, format="json")
    assert response.status_code == 400 and "occurred_end" in response.json()["errors"]
    incident.refresh_from_db()
    assert incident.address == "1400 Market Street"


def test_transition_and_note_forms_reject_huge_text_with_a_message(people, client):
    from incidents.models import IncidentState
    from tests.factories.incidents import make_incident_in_state

    incident = make_incident_in_state(IncidentState.INVESTIGATION, reporter=people.reporter, supervisor=people.supervisor,
                                      investigator=people.investigator)
    sign_in_verified(client, people.investigator)
    response = client.post(reverse("incidents:notes", args=[incident.pk]), {"note-text": "n" * 100_000})
    assert response.status_code == 400 and "text" in response.context["error"]["fields"]
    sign_in_verified(client, people.supervisor)
    response = client.post(reverse("incidents:transition", args=[incident.pk]), {"action": "close", "reason": "r" * 100_000,
                                                                                 "outcome": "sustained"})
    assert response.status_code == 400
    response = client.post(reverse("incidents:transition", args=[incident.pk]), {"action": "close", "outcome": "maybe"})
    assert response.status_code == 400 and "outcome" in response.context["error"]["fields"]
    incident.refresh_from_db()
    assert incident.state == IncidentState.INVESTIGATION and not incident.notes.exists()


@pytest.mark.parametrize("url", ["/api/incidents/99999999999999999999999/", "/staff/incidents/99999999999999999999999/"])
def test_an_absurd_case_number_is_not_found_rather_than_a_crash(people, client, url):
    sign_in_verified(client, people.supervisor)
    assert client.get(url).status_code == 404
