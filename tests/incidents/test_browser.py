"""One incident from a reporter's phone to closure, across four roles, in a real Chromium; and
every staff page it passes through meets WCAG 2.1 AA."""

from __future__ import annotations

import re

import pytest

from incidents.models import Incident
from portal.models import AuditEvent
from portal.roles import Role
from tests.browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _as(browser, live_server, username, *, phone=False):
    options = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True} if phone else {
        "viewport": {"width": 1280, "height": 900}}
    context = browser.new_context(locale="en-US", **options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server.url, username)
    return context, page


def _tick(page, label: str) -> None:
    # USWDS draws its own checkbox over the real one; people tap the label, so do we.
    page.locator("label.usa-checkbox__label", has_text=label).first.click()


def test_an_incident_goes_from_a_phone_report_to_closure(browser, phone_page, live_server, make_user):
    make_user(Role.REPORTER, "rita")
    make_user(Role.SUPERVISOR, "sofia")
    make_user(Role.INVESTIGATOR, "ivan", first_name="Ivan", last_name="Ibarra")
    make_user(Role.AUDITOR, "aaron")

    # The reporter files from a phone.
    page = phone_page
    sign_in(page, live_server.url, "rita")
    assert_accessible(page)  # the staff home with the reporter's panels
    page.goto(f"{live_server.url}/staff/incidents/new/")
    assert_accessible(page)
    page.get_by_label("Started", exact=True).fill("2026-03-02T10:15")
    page.get_by_label("Ended", exact=True).fill("2026-03-02T10:05")  # a slip: before the start
    page.get_by_label("Address", exact=True).fill("1400 Market Street")
    page.get_by_label("Neighbourhood", exact=True).select_option("old_market")
    _tick(page, "ICE Enforcement and Removal Operations (ERO)")
    _tick(page, "Arrest or detention")
    page.get_by_label("Narrative", exact=True).fill("Three masked agents detained a man outside the bakery.")
    page.get_by_label("How the city learned of it").select_option("officer_on_scene")
    page.get_by_role("button", name="Submit").click()
    page.wait_for_load_state("domcontentloaded")
    assert "The end must be after the start." in page.locator("#occurred_end-error").inner_text()
    assert_accessible(page)  # the form with its errors
    page.get_by_label("Ended", exact=True).fill("2026-03-02T10:45")
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(re.compile(r"/staff/incidents/\d+/$"))
    incident = Incident.objects.get()
    assert page.locator("[data-state]").first.get_attribute("data-state") == "submitted"
    assert_accessible(page)  # the case page

    # The supervisor triages, assigns and opens the investigation.
    context, page = _as(browser, live_server, "sofia")
    assert page.get_by_role("link", name=incident.reference).first.is_visible()  # "Awaiting triage" on the dashboard
    assert_accessible(page)
    page.goto(f"{live_server.url}/staff/incidents/")
    assert_accessible(page)
    page.get_by_role("link", name=incident.reference).click()
    page.get_by_role("button", name="Start triage").click()
    page.locator("#id_assign-investigator").select_option(label="Ivan Ibarra")
    page.get_by_role("button", name="Assign").click()
    page.get_by_role("button", name="Open the investigation").click()
    assert page.locator("h1 [data-state]").get_attribute("data-state") == "investigation"
    context.close()

    # The investigator works the case and proposes findings.
    context, page = _as(browser, live_server, "ivan")
    assert_accessible(page)
    page.get_by_role("link", name=incident.reference).first.click()  # "My queue"
    page.locator("#id_note-text").fill("Spoke with the bakery owner; footage requested.")
    page.get_by_role("button", name="Add note").click()
    page.locator("#id_finding-text").fill("The agents showed no judicial warrant and used force on a compliant man.")
    page.locator("#id_finding-outcome").select_option("sustained")
    page.get_by_role("button", name="Propose findings").click()
    assert page.locator("h1 [data-state]").get_attribute("data-state") == "findings_proposed"
    assert_accessible(page)
    context.close()

    # The supervisor approves, which closes the case with the proposed outcome.
    context, page = _as(browser, live_server, "sofia")
    page.goto(f"{live_server.url}/staff/incidents/{incident.pk}/")
    page.locator("#reason-approve_findings").fill("Agreed with the findings.")
    page.get_by_role("button", name="Approve the findings and close").click()
    assert page.locator("h1 [data-state]").get_attribute("data-state") == "closed"
    assert page.locator("[data-outcome]").first.get_attribute("data-outcome") == "sustained"
    context.close()

    # The auditor reads the whole story in the trail.
    context, page = _as(browser, live_server, "aaron")
    assert_accessible(page)
    page.goto(f"{live_server.url}/staff/audit/?object_id={incident.pk}")
    assert_accessible(page)
    assert page.locator('tr[data-action="incident.approve_findings"]').count() == 1
    context.close()

    steps = list(AuditEvent.objects.filter(object_type="incidents.incident", object_id=str(incident.pk), outcome="success").exclude(action="incident.viewed")
                 .values_list("action", flat=True))
    assert steps == ["incident.filed", "incident.submit", "incident.start_triage", "incident.assigned",
                     "incident.open_investigation", "incident.note_added", "incident.propose_findings", "incident.approve_findings"]
