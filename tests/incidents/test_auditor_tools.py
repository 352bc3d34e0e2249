"""The auditor's tools in the interface: chain verification with its result, audit filters in
words, and the audit trail of one object from its page."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.urls import reverse

from incidents.models import IncidentState
from portal.models import AuditEvent
from tests.factories.footage import make_footage
from tests.factories.incidents import make_incident_in_state
from tests.personas import sign_in_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(people):
    return make_incident_in_state(IncidentState.INVESTIGATION, reporter=people.reporter, supervisor=people.supervisor,
                                  investigator=people.investigator)


def test_the_auditor_verifies_the_chain_from_the_interface_and_reads_intact(client, people, case):
    sign_in_verified(client, people.auditor)
    assert client.get(reverse("audit-verify")).status_code == 200

    response = client.post(reverse("audit-verify"))

    assert response.status_code == 200 and response.context["result"].ok
    assert 'data-ok="true"' in response.content.decode()
    assert AuditEvent.objects.filter(action="audit.verified", actor_username="aaron", outcome="success").exists()


def test_the_verification_page_names_the_first_altered_event(client, people, case):
    forged = AuditEvent.objects.filter(action="incident.start_triage").get()
    # What an operator with superuser rights could do: switch the triggers off and rewrite history.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE portal_auditevent SET reason = 'rewritten' WHERE id = %s", [forged.id])
    sign_in_verified(client, people.auditor)

    response = client.post(reverse("audit-verify"))

    assert not response.context["result"].ok
    assert f"event {forged.id}:" in response.content.decode()


def test_only_auditors_verify(client, people):
    for user in (people.supervisor, people.admin):
        sign_in_verified(client, user)
        assert client.post(reverse("audit-verify")).status_code == 403


def test_the_trail_is_filtered_and_shown_in_words_with_objects_as_links(client, people, case):
    sign_in_verified(client, people.auditor)
    form = client.get(reverse("audit")).content.decode()
    assert "Started triage" in form and ">Incidents<" in form

    page = client.get(reverse("audit"), {"action": "incident.start_triage"})

    html = page.content.decode()
    assert page.status_code == 200 and page.context["page"].paginator.count == 1
    assert f'<a class="usa-link" href="{case.get_absolute_url()}">Incident #{case.pk}</a>' in html
    assert "incidents.incident" not in html.split("<tbody>")[1]


def test_the_audit_trail_of_one_object_opens_from_its_page(client, people, case):
    item = make_footage(incident=case, uploaded_by=people.reporter, seconds=1, size=(320, 180), process=False)
    sign_in_verified(client, people.auditor)

    case_page = client.get(reverse("incidents:detail", args=[case.pk])).content.decode()
    footage_page = client.get(reverse("footage:detail", args=[item.pk])).content.decode()

    assert f"?object_type=incidents.incident&amp;object_id={case.pk}" in case_page
    assert f"?object_type=footage.footageitem&amp;object_id={item.pk}" in footage_page
    sign_in_verified(client, people.investigator)
    assert "object_type=incidents.incident" not in client.get(reverse("incidents:detail", args=[case.pk])).content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_auditor_verifies_the_chain_in_the_browser(page, live_server, people, case):
    from tests.browser import assert_accessible, sign_in

    sign_in(page, live_server.url, "aaron")
    page.goto(f"{live_server.url}/staff/audit/?action=incident.")
    assert_accessible(page)
    page.get_by_role("link", name="Verify the chain").click()
    page.get_by_role("button", name="Verify now").click()
    page.wait_for_load_state("domcontentloaded")

    assert page.locator("#verification-result").get_attribute("data-ok") == "true"
    assert_accessible(page)


def test_the_audit_trail_lives_at_staff_audit_and_its_old_address_leads_there_with_its_filters(client, people):
    sign_in_verified(client, people.auditor)
    assert reverse("audit") == "/staff/audit/"

    response = client.get("/staff/incidents/audit/", {"action": "incident.", "actor": "rob"})

    assert response.status_code == 301
    assert response["Location"] == "/staff/audit/?action=incident.&actor=rob"
    assert client.get(response["Location"]).status_code == 200
