"""Filing: every field that submission needs is marked, and a date in the future is refused."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import REQUIRED_TO_SUBMIT, Incident
from tests.browser import assert_accessible, sign_in
from tests.factories.incidents import incident_data
from tests.personas import sign_in_verified


@pytest.mark.django_db
def test_every_field_submission_needs_is_marked_on_the_form(client, people):
    sign_in_verified(client, people.reporter)
    html = client.get(reverse("incidents:new")).content.decode()

    for name in REQUIRED_TO_SUBMIT:
        label = re.search(rf'(<abbr[^>]*usa-hint--required[^>]*data-required-to-submit="{name}">)', html)
        legend = re.search(rf'<legend class="usa-legend">(.*?)</legend>\s*(?:<span[^>]*>[^<]*</span>\s*)?'
                           rf'<div class="usa-checkbox">\s*<input[^>]*name="{name}"', html, re.S)
        marked = (label or legend).group(1)
        assert "usa-hint--required" in marked, name


@pytest.mark.django_db
def test_it_refuses_an_incident_that_starts_or_ends_in_the_future(people):
    tomorrow = timezone.now() + timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.file_incident(reporter=people.reporter, data=incident_data(occurred_start=tomorrow, occurred_end=None), submit=True)
    assert "future" in " ".join(refused.value.message_dict["occurred_start"])
    with pytest.raises(ValidationError) as refused:
        services.file_incident(reporter=people.reporter, data=incident_data(occurred_end=tomorrow), submit=False)
    assert "future" in " ".join(refused.value.message_dict["occurred_end"])
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_a_phone_clock_a_few_minutes_ahead_is_not_refused(people):
    soon = timezone.now() + timedelta(minutes=3)
    incident = services.file_incident(reporter=people.reporter, data=incident_data(occurred_start=soon - timedelta(hours=1), occurred_end=soon),
                                      submit=True)
    assert incident.occurred_end == soon


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_filing_form_refuses_a_date_in_the_future_in_the_browser(page, live_server, people):
    tomorrow = timezone.localtime(timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    sign_in(page, live_server.url, "rita")
    page.goto(f"{live_server.url}/staff/incidents/new/")
    assert page.get_by_label("Started").get_attribute("max")

    page.get_by_label("Started", exact=True).fill(tomorrow)
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state("domcontentloaded")

    assert "in the future" in page.locator("#occurred_start-error").inner_text()
    assert not Incident.objects.exists()
    assert_accessible(page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_place_is_picked_on_the_map_and_people_are_added_one_after_another(page, live_server, people):
    sign_in(page, live_server.url, "rita")
    page.goto(f"{live_server.url}/staff/incidents/new/")
    page.wait_for_function("() => document.getElementById('place-map').dataset.ready === 'true'")

    page.locator("#place-map").click()  # its middle
    page.wait_for_function("() => document.getElementById('place-map').dataset.picked")
    latitude, longitude = float(page.get_by_label("Latitude").input_value()), float(page.get_by_label("Longitude").input_value())
    assert 41.39 < latitude < 41.6 and -81.8 < longitude < -81.55

    shown = page.locator("#people-forms fieldset").count()
    for number in range(shown, shown + 2):
        page.get_by_role("button", name="Add another person").click()
        page.locator(f"#id_people-{number}-role").select_option("witness")
        page.locator(f"#id_people-{number}-name").fill(f"Witness {number + 1}")
    assert_accessible(page)
    page.get_by_label("Started", exact=True).fill("2026-03-02T10:15")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(lambda url: "/new/" not in url)

    incident = Incident.objects.get()
    assert sorted(p.name for p in incident.people.all()) == [f"Witness {shown + 1}", f"Witness {shown + 2}"]
    assert float(incident.latitude) == pytest.approx(latitude) and float(incident.longitude) == pytest.approx(longitude)
