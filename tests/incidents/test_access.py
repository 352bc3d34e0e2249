"""Who sees which case: the list, the case page, the API and the CSV export all agree, per role."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from incidents.models import IncidentState
from incidents.workflow import assign_investigator
from portal.models import AuditEvent
from tests.factories.incidents import make_incident, make_incident_in_state
from tests.personas import sign_in_verified
from tests.people_per_module import people  # noqa: F401 (made once for the module)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(people):
    """Rita's draft, Rita's case assigned to Ivan, Rob's submitted case, and Rob's unassigned case in triage."""

    class Cases:
        rita_draft = make_incident(reporter=people.reporter, narrative="Rita's draft about the bakery.")
        rita_assigned = make_incident_in_state(IncidentState.INVESTIGATION, reporter=people.reporter,
                                               supervisor=people.supervisor, investigator=people.investigator)
        rob_submitted = make_incident_in_state(IncidentState.SUBMITTED, reporter=people.other_reporter)
        rob_triage = make_incident_in_state(IncidentState.TRIAGE, reporter=people.other_reporter, supervisor=people.supervisor)

    return Cases


def _expected(people, cases):
    submitted = {cases.rita_assigned, cases.rob_submitted, cases.rob_triage}
    return {
        "reporter": {cases.rita_draft, cases.rita_assigned},
        "other_reporter": {cases.rob_submitted, cases.rob_triage},
        "investigator": {cases.rita_assigned},
        "other_investigator": set(),
        "supervisor": submitted,
        "release_officer": {cases.rita_assigned},  # under investigation: its public summary may be released
        "auditor": submitted,
        "admin": set(),
    }


ROLES = ["reporter", "other_reporter", "investigator", "other_investigator", "supervisor", "release_officer", "auditor", "admin"]


@pytest.mark.parametrize("role", ROLES)
def test_the_list_page_shows_only_permitted_cases(people, cases, client, role):
    sign_in_verified(client, getattr(people, role))
    response = client.get(reverse("incidents:list"))
    assert response.status_code == 200
    shown = {i.reference for i in response.context["page"].object_list}
    assert shown == {i.reference for i in _expected(people, cases)[role]}


@pytest.mark.parametrize("role", ROLES)
def test_the_case_page_opens_only_for_permitted_cases_and_is_audited(people, cases, client, role):
    user = getattr(people, role)
    sign_in_verified(client, user)
    allowed = _expected(people, cases)[role]
    for incident in (cases.rita_draft, cases.rita_assigned, cases.rob_submitted, cases.rob_triage):
        response = client.get(reverse("incidents:detail", args=[incident.pk]))
        assert response.status_code == (200 if incident in allowed else 404), incident.reference
        event = AuditEvent.objects.filter(action="incident.viewed", object_id=str(incident.pk), actor_username=user.username).get()
        assert event.outcome == ("success" if incident in allowed else "refused")
        assert event.ip_address == "127.0.0.1"


@pytest.mark.parametrize("role", ROLES)
def test_the_api_list_and_detail_return_only_permitted_cases(people, cases, api_client, role):
    api = api_client(getattr(people, role))
    allowed = _expected(people, cases)[role]
    listed = {row["reference"] for row in api.get("/api/incidents/").json()["results"]}
    assert listed == {i.reference for i in allowed}
    for incident in (cases.rita_draft, cases.rita_assigned, cases.rob_submitted, cases.rob_triage):
        response = api.get(f"/api/incidents/{incident.pk}/")
        assert response.status_code == (200 if incident in allowed else 404)
    assert AuditEvent.objects.filter(action="incident.viewed", actor_username=getattr(people, role).username,
                                     detail__via="api").count() == 4


@pytest.mark.parametrize("role", ROLES)
def test_the_csv_export_holds_only_permitted_cases_and_no_private_people(people, cases, client, api_client, role):
    user = getattr(people, role)
    sign_in_verified(client, user)
    for response in (client.get(reverse("incidents:export")), api_client(user).get("/api/incidents/export.csv")):
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert {r["reference"] for r in rows} == {i.reference for i in _expected(people, cases)[role]}
        assert "narrative" not in (rows[0] if rows else {"reference": ""})
    assert AuditEvent.objects.filter(action="incident.exported", actor_username=user.username).count() == 2


def test_an_investigator_gains_a_case_when_assigned_and_loses_it_when_reassigned(people, cases, api_client):
    url = f"/api/incidents/{cases.rob_triage.pk}/"
    assert api_client(people.other_investigator).get(url).status_code == 404
    assign_investigator(cases.rob_triage, actor=people.supervisor, investigator=people.other_investigator)
    assert api_client(people.other_investigator).get(url).status_code == 200
    assign_investigator(cases.rob_triage, actor=people.supervisor, investigator=people.investigator)
    assert api_client(people.other_investigator).get(url).status_code == 404


def test_the_case_page_shows_only_the_actions_the_user_may_take_now(people, cases, client):
    sign_in_verified(client, people.auditor)
    page = client.get(reverse("incidents:detail", args=[cases.rob_submitted.pk]))
    assert page.context["transitions"] == [] and page.context["assign_form"] is None and page.context["note_form"] is None
    sign_in_verified(client, people.supervisor)
    page = client.get(reverse("incidents:detail", args=[cases.rob_submitted.pk]))
    assert [t.action for t in page.context["transitions"]] == ["start_triage"]
    sign_in_verified(client, people.other_reporter)
    page = client.get(reverse("incidents:detail", args=[cases.rob_submitted.pk]))
    assert page.context["transitions"] == [] and not page.context["can_edit"]


@pytest.mark.parametrize("role", ["reporter", "investigator", "supervisor", "release_officer", "auditor"])
def test_the_case_page_checks_who_sees_the_case_once(people, cases, client, role):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sign_in_verified(client, getattr(people, role))
    case = cases.rita_assigned
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("incidents:detail", args=[case.pk])).status_code == 200
    of_the_case = [q["sql"] for q in queries.captured_queries
                   if q["sql"].split(" WHERE ")[0].endswith('FROM "incidents_incident"') and f'"incidents_incident"."id" = {case.pk}' in q["sql"]]
    assert len(of_the_case) == 1, of_the_case


def test_a_case_read_before_its_investigator_was_changed_is_asked_about_again(people, cases):
    from incidents.access import can_read_investigation, get_visible_incident, is_visible

    case = get_visible_incident(people.investigator, cases.rita_assigned.pk)
    assert is_visible(people.investigator, case) and can_read_investigation(people.investigator, case)
    assert not is_visible(people.other_investigator, case)
    assign_investigator(case, actor=people.supervisor, investigator=people.other_investigator)
    case.refresh_from_db()
    assert not is_visible(people.investigator, case) and not can_read_investigation(people.investigator, case)
    assert is_visible(people.other_investigator, case)


def test_a_case_that_does_not_exist_and_one_that_is_hidden_look_the_same(people, cases, client):
    sign_in_verified(client, people.other_reporter)
    hidden = client.get(reverse("incidents:detail", args=[cases.rita_draft.pk]))
    missing = client.get(reverse("incidents:detail", args=[999999]))
    assert hidden.status_code == missing.status_code == 404


def test_only_the_reporter_edits_their_draft(people, cases, client):
    url = reverse("incidents:edit", args=[cases.rita_draft.pk])
    sign_in_verified(client, people.other_reporter)
    assert client.get(url).status_code == 404
    for other in (people.auditor, people.supervisor, people.release_officer):
        sign_in_verified(client, other)
        assert client.get(url).status_code == 404
    sign_in_verified(client, people.reporter)
    assert client.get(url).status_code == 200
    assert client.get(reverse("incidents:edit", args=[cases.rita_assigned.pk])).status_code == 403


def test_filters_and_full_text_search_narrow_the_list(people, cases, client):
    make_incident(reporter=people.reporter, submit=True, narrative="Agents smashed the window of the laundromat.",
                  neighbourhood="riverside", agencies=["cbp"], categories=["property_damage"])
    sign_in_verified(client, people.supervisor)

    def refs(**params):
        return {i.reference for i in client.get(reverse("incidents:list"), params).context["page"].object_list}

    assert len(refs(q="smashed windows")) == 1  # stemmed: "windows" finds "window"
    assert len(refs(agency="cbp")) == 1 and len(refs(category="property_damage")) == 1
    assert len(refs(neighbourhood="riverside")) == 1
    assert refs(state="triage") == {cases.rob_triage.reference}
    assert refs(assignee=people.investigator.pk) == {cases.rita_assigned.reference}
    assert refs(q=cases.rob_submitted.reference) == {cases.rob_submitted.reference}
    assert refs(date_from="2000-01-01", date_to="2000-01-02") == set()
    assert client.get(reverse("incidents:list"), {"state": "nonsense", "date_from": "yesterday"}).status_code == 200


@pytest.mark.parametrize("role", ["reporter", "investigator", "supervisor", "release_officer", "admin"])
def test_only_auditors_read_the_audit_trail(people, client, api_client, role):
    user = getattr(people, role)
    sign_in_verified(client, user)
    assert client.get(reverse("audit")).status_code == 403
    assert client.get(reverse("audit-export")).status_code == 403
    assert api_client(user).get("/api/audit/events/").status_code == 403
    assert AuditEvent.objects.filter(actor_username=user.username, action__startswith="audit.", outcome="refused").count() == 3


def test_a_draft_is_its_reporters_alone_until_submitted(people, cases, client, api_client):
    draft = cases.rita_draft
    for who in ("supervisor", "release_officer", "auditor", "investigator"):
        user = getattr(people, who)
        sign_in_verified(client, user)
        assert client.get(reverse("incidents:detail", args=[draft.pk])).status_code == 404, who
        assert client.get(reverse("incidents:edit", args=[draft.pk])).status_code == 404, who
        assert api_client(user).patch(f"/api/incidents/{draft.pk}/", {"narrative": "Changed."}, format="json").status_code == 404
        assert draft.reference not in b"".join(client.get(reverse("incidents:export")).streaming_content).decode()
    draft.refresh_from_db()
    assert draft.narrative == "Rita's draft about the bakery."
    submit(draft, people.reporter)
    sign_in_verified(client, people.supervisor)
    assert client.get(reverse("incidents:detail", args=[draft.pk])).status_code == 200


def submit(incident, reporter):
    from incidents.workflow import apply_transition

    return apply_transition(incident, "submit", actor=reporter)


@pytest.fixture
def worked_case(people):
    """Rita's case under investigation by Ivan, with a witness, a note and a narrative."""
    from incidents.services import add_note

    incident = make_incident_in_state(
        IncidentState.INVESTIGATION, reporter=people.reporter, supervisor=people.supervisor, investigator=people.investigator,
        narrative="NARRATIVE-CANARY", people=[{"role": "witness", "name": "WITNESS-CANARY", "contact": "555-0142",
                                                "preferred_language": "", "notes": ""}],
    )
    add_note(incident, actor=people.investigator, text="NOTE-CANARY")
    return incident


def _page(client, user, incident) -> str:
    sign_in_verified(client, user)
    response = client.get(reverse("incidents:detail", args=[incident.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_release_officer_sees_the_record_and_summary_but_not_the_people_the_narrative_or_the_notes(people, worked_case, client, api_client):
    html = _page(client, people.release_officer, worked_case)
    assert worked_case.reference in html
    for canary in ("WITNESS-CANARY", "555-0142", "NARRATIVE-CANARY", "NOTE-CANARY"):
        assert canary not in html
    api = api_client(people.release_officer)
    body = api.get(f"/api/incidents/{worked_case.pk}/").json()
    assert body["people"] == [] and body["narrative"] == "" and body["reference"] == worked_case.reference
    for path in ("notes", "findings"):
        response = api.get(f"/api/incidents/{worked_case.pk}/{path}/")
        assert response.status_code == 403 and "detail" in response.json()


def test_a_release_officer_sees_nothing_of_a_case_before_investigation_and_without_a_release(people, cases, client, api_client):
    sign_in_verified(client, people.release_officer)
    for incident in (cases.rob_submitted, cases.rob_triage):
        assert client.get(reverse("incidents:detail", args=[incident.pk])).status_code == 404
        assert api_client(people.release_officer).get(f"/api/incidents/{incident.pk}/").status_code == 404


def test_a_reporter_reads_their_case_but_not_the_investigators_notes(people, worked_case, client, api_client):
    html = _page(client, people.reporter, worked_case)
    assert "WITNESS-CANARY" in html and "NARRATIVE-CANARY" in html and "NOTE-CANARY" not in html
    api = api_client(people.reporter)
    assert api.get(f"/api/incidents/{worked_case.pk}/").json()["people"][0]["name"] == "WITNESS-CANARY"
    assert api.get(f"/api/incidents/{worked_case.pk}/notes/").status_code == 403
    assert api.get(f"/api/incidents/{worked_case.pk}/findings/").status_code == 403


@pytest.mark.parametrize("who", ["investigator", "supervisor", "auditor"])
def test_those_who_work_or_oversee_the_case_read_everything_in_it(people, worked_case, client, api_client, who):
    html = _page(client, getattr(people, who), worked_case)
    assert all(canary in html for canary in ("WITNESS-CANARY", "NARRATIVE-CANARY", "NOTE-CANARY"))
    notes = api_client(getattr(people, who)).get(f"/api/incidents/{worked_case.pk}/notes/").json()
    assert [n["text"] for n in notes] == ["NOTE-CANARY"]


def test_a_release_officers_search_does_not_look_into_the_narrative_they_may_not_read(people, worked_case, client, api_client):
    for user, found in ((people.release_officer, set()), (people.supervisor, {worked_case.reference})):
        sign_in_verified(client, user)
        page = client.get(reverse("incidents:list"), {"q": "NARRATIVE-CANARY"})
        assert {i.reference for i in page.context["page"].object_list} == found
        listed = api_client(user).get("/api/incidents/", {"q": "NARRATIVE-CANARY"}).json()["results"]
        assert {row["reference"] for row in listed} == found
    sign_in_verified(client, people.release_officer)
    assert {i.reference for i in client.get(reverse("incidents:list"), {"q": worked_case.reference}).context["page"].object_list} == {
        worked_case.reference}
