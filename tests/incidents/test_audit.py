"""The audit trail of incident work: complete, chained, tamper-evident, and readable by auditors."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from incidents.models import IncidentState
from incidents.services import update_incident
from incidents.workflow import TransitionRefused, apply_transition
from portal.hashchain import verify_chain
from portal.models import AuditEvent
from tests.factories.incidents import make_incident, make_incident_in_state, make_published_incident
from tests.personas import sign_in_verified
from tests.people_per_module import people  # noqa: F401 (made once for the module)

pytestmark = pytest.mark.django_db


def _workload(people, client):
    """A morning's work: cases filed, moved, read, refused and exported."""
    for _ in range(3):
        incident = make_incident_in_state(IncidentState.CLOSED, reporter=people.reporter, supervisor=people.supervisor,
                                          investigator=people.investigator)
    for who in (people.supervisor, people.auditor, people.reporter):
        sign_in_verified(client, who)
        client.get(reverse("incidents:detail", args=[incident.pk]))
    sign_in_verified(client, people.other_reporter)
    client.get(reverse("incidents:detail", args=[incident.pk]))
    with pytest.raises(TransitionRefused):
        apply_transition(incident, "reopen", actor=people.auditor, reason="Just looking.")
    sign_in_verified(client, people.auditor)
    client.get(reverse("incidents:export"))
    return incident


def test_the_chain_verifies_after_a_workload(people, client):
    _workload(people, client)
    report = verify_chain(AuditEvent)
    assert report.ok, report.breaks
    assert report.checked >= 30


def test_every_change_and_every_read_of_a_case_is_on_the_record(people, client):
    incident = _workload(people, client)
    actions = list(AuditEvent.objects.filter(object_type="incidents.incident", object_id=str(incident.pk))
                   .values_list("action", "outcome", "actor_username"))
    assert actions[:7] == [
        ("incident.filed", "success", "rita"),
        ("incident.submit", "success", "rita"),
        ("incident.start_triage", "success", "sofia"),
        ("incident.assigned", "success", "sofia"),
        ("incident.open_investigation", "success", "sofia"),
        ("incident.propose_findings", "success", "ivan"),
        ("incident.approve_findings", "success", "sofia"),
    ]
    assert ("incident.viewed", "refused", "rob") in actions
    assert ("incident.reopen", "refused", "aaron") in actions
    assert [a for a in actions if a[0] == "incident.viewed" and a[1] == "success"] == [
        ("incident.viewed", "success", "sofia"), ("incident.viewed", "success", "aaron"), ("incident.viewed", "success", "rita")]


def test_an_update_records_which_fields_changed_but_not_their_private_values(people):
    incident = make_incident(reporter=people.reporter)
    update_incident(incident, actor=people.reporter, data={"narrative": "A secret detail.", "agent_count": 7})
    event = AuditEvent.objects.get(object_id=str(incident.pk), action="incident.updated")
    assert sorted(event.detail["fields"]) == ["agent_count", "narrative"]
    assert "secret" not in str(event.detail)


def test_the_application_cannot_edit_an_incident_event(people):
    make_incident(reporter=people.reporter)
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE portal_auditevent SET actor_username = 'nobody' WHERE action = 'incident.filed'")


def test_an_event_edited_directly_in_the_database_is_found_and_located(people, client, capsys):
    _workload(people, client)
    forged = AuditEvent.objects.filter(action="incident.approve_findings").order_by("id")[1]
    # What an operator with superuser rights could do: switch the triggers off and rewrite history.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE portal_auditevent SET actor_username = 'ivan' WHERE id = %s", [forged.id])
    report = verify_chain(AuditEvent)
    assert not report.ok and report.breaks[0].event_id == forged.id
    with pytest.raises(CommandError):
        call_command("verify_audit_chain")
    assert f"event {forged.id}" in capsys.readouterr().out


def test_the_auditor_filters_and_pages_through_the_trail(people, client):
    incident = _workload(people, client)
    sign_in_verified(client, people.auditor)
    page = client.get(reverse("audit"), {"actor": "rob"})
    assert page.status_code == 200
    assert {e.actor_username for e in page.context["page"].object_list} == {"rob"}
    page = client.get(reverse("audit"), {"object_type": "incidents.incident", "object_id": incident.pk,
                                                   "outcome": "refused"})
    assert {e.action for e in page.context["page"].object_list} == {"incident.viewed", "incident.reopen"}
    page = client.get(reverse("audit"), {"action": "incident.submit", "date_from": "2000-01-01"})
    assert page.context["page"].paginator.count == 3
    for _ in range(50):
        client.get(reverse("incidents:detail", args=[incident.pk]))
    page = client.get(reverse("audit"), {"page": 2})
    assert page.status_code == 200 and page.context["page"].number == 2 and page.context["page"].object_list
    assert client.get(reverse("audit"), {"date_from": "not a date"}).status_code == 400


def test_the_audit_export_is_streamed_csv_and_is_itself_audited(people, client):
    _workload(people, client)
    sign_in_verified(client, people.auditor)
    response = client.get(reverse("audit-export"), {"action": "incident."})
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows and all(r["action"].startswith("incident.") for r in rows)
    assert {"hash", "prev_hash", "ip_address", "outcome"} <= set(rows[0])
    assert AuditEvent.objects.filter(action="audit.exported", actor_username="aaron").count() == 1


def test_the_audit_api_lists_events_for_auditors(people, client, api_client):
    _workload(people, client)
    body = api_client(people.auditor).get("/api/audit/events/", {"actor": "rob"}).json()
    assert body["count"] >= 1 and {e["actor_username"] for e in body["results"]} == {"rob"}


def test_csv_cells_cannot_smuggle_spreadsheet_formulas(people, client):
    make_incident(reporter=people.reporter, submit=True, address="=HYPERLINK(\"http://evil\")")
    sign_in_verified(client, people.supervisor)
    rows = list(csv.DictReader(io.StringIO(b"".join(client.get(reverse("incidents:export")).streaming_content).decode())))
    assert rows[0]["address"].startswith("'=")


# ---- publication, which the public site reads --------------------------------------------------

@pytest.mark.parametrize("precision,expected", [
    ("block", ("41.500", "-81.692")),
    ("neighbourhood", ("41.4995", "-81.6920")),
    ("exact", ("41.499712", "-81.692345")),
])
def test_publication_generalises_the_location(people, precision, expected):
    incident = make_published_incident(reporter=people.reporter, supervisor=people.supervisor, investigator=people.investigator,
                                       precision=precision)
    incident.refresh_from_db()
    from decimal import Decimal

    assert (incident.public_latitude, incident.public_longitude) == (Decimal(expected[0]), Decimal(expected[1]))
    assert AuditEvent.objects.filter(object_id=str(incident.pk), action="incident.published").exists()


def test_publication_needs_a_summary_the_right_role_and_a_case_under_investigation(people, api_client):
    incident = make_incident_in_state(IncidentState.TRIAGE, reporter=people.reporter, supervisor=people.supervisor)
    url = f"/api/incidents/{incident.pk}/publication/"
    assert api_client(people.supervisor).post(url, {"precision": "block"}, format="json").status_code == 409
    assert api_client(people.release_officer).post(url, {"precision": "block"}, format="json").status_code == 404
    assigned = make_incident_in_state(IncidentState.INVESTIGATION, reporter=people.reporter, supervisor=people.supervisor,
                                      investigator=people.investigator)
    url = f"/api/incidents/{assigned.pk}/publication/"
    response = api_client(people.release_officer).post(url, {"precision": "block"}, format="json")
    assert response.status_code == 400 and "public_summary" in response.json()["errors"]
    update_incident(assigned, actor=people.investigator, data={"public_summary": "Agents detained a man."})
    assert api_client(people.investigator).post(url, {"precision": "block"}, format="json").status_code == 403
    assert api_client(people.auditor).post(url, {"precision": "block"}, format="json").status_code == 403
    assert api_client(people.release_officer).post(url, {"precision": "street"}, format="json").status_code == 400
    response = api_client(people.release_officer).post(url, {"precision": "block"}, format="json")
    assert response.status_code == 200 and response.json()["published_at"]
    response = api_client(people.release_officer).delete(url)
    assert response.status_code == 200 and response.json()["published_at"] is None
