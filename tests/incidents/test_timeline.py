"""The case timeline reads like a record: views folded, events in words, objects as links, and
every time with its zone, the same on the footage page and in the custody PDF."""

from __future__ import annotations

import base64
import re
import zlib

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import workflow
from incidents.models import IncidentState
from releases import workflow as release_workflow
from tests.factories.footage import make_footage
from tests.factories.incidents import make_incident_in_state
from tests.personas import sign_in_verified
from tests.people_per_module import people  # noqa: F401 (made once for the module)

pytestmark = pytest.mark.django_db

TIME_WITHOUT_ZONE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?(?! [A-Z]{2,5}\b)(?![:\d])")


@pytest.fixture
def case(people):
    return make_incident_in_state(IncidentState.INVESTIGATION, reporter=people.reporter, supervisor=people.supervisor,
                                  investigator=people.investigator)


def _case_page(client, user, incident):
    sign_in_verified(client, user)
    response = client.get(reverse("incidents:detail", args=[incident.pk]))
    assert response.status_code == 200
    return response


def test_it_folds_views_in_a_row_into_one_line_with_who_viewed(client, people, case):
    for user in (people.investigator, people.supervisor, people.investigator):
        _case_page(client, user, case)

    timeline = _case_page(client, people.auditor, case).context["timeline"]

    views = [entry for entry in timeline if entry.action == "incident.viewed"]
    assert len(views) == 1
    assert views[0].count == 4 and views[0].actors == ["ivan", "sofia", "aaron"]


def test_it_says_each_event_in_words_not_codes(client, people, case):
    html = _case_page(client, people.supervisor, case).content.decode()

    assert "Started triage" in html and "Opened the investigation" in html
    assert ">incident.start_triage<" not in html and "Under triage → Under investigation" in html


def test_events_on_the_cases_footage_and_releases_link_to_their_pages(client, people, case, django_capture_on_commit_callbacks):
    item = make_footage(incident=case, uploaded_by=people.reporter, seconds=1, size=(320, 180))
    with django_capture_on_commit_callbacks(execute=False):
        release = release_workflow.request_release(item, actor=people.investigator)

    html = _case_page(client, people.supervisor, case).content.decode()

    assert f'href="{reverse("releases:detail", args=[release.pk])}">Release #{release.pk}</a>' in html
    assert "incidents.incident" not in html


def test_every_time_on_the_case_and_footage_pages_says_its_zone(client, people, case):
    item = make_footage(incident=case, uploaded_by=people.reporter, seconds=1, size=(320, 180))
    workflow.assign_investigator(case, actor=people.supervisor, investigator=people.investigator, reason="Reassigned")

    for url in (reverse("incidents:detail", args=[case.pk]), reverse("footage:detail", args=[item.pk])):
        html = _case_page(client, people.supervisor, case).content.decode() if "incidents" in url else client.get(url).content.decode()
        assert TIME_WITHOUT_ZONE.findall(html) == [], url


def test_the_custody_pdf_gives_the_same_local_time_and_zone_as_the_footage_page(client, people, case):
    item = make_footage(incident=case, uploaded_by=people.reporter, seconds=1, size=(320, 180))
    sign_in_verified(client, people.investigator)
    page = client.get(reverse("footage:detail", args=[item.pk])).content.decode()
    uploaded = timezone.localtime(item.uploaded_at).strftime("%Y-%m-%d %H:%M %Z")
    assert uploaded in page

    pdf = client.get(reverse("footage:custody-report", args=[item.pk, "pdf"])).content

    text = _pdf_text(pdf)
    assert timezone.localtime(item.uploaded_at).strftime("%Y-%m-%d %H:%M:%S %Z") in text
    assert " UTC" not in text


def _pdf_text(pdf: bytes) -> str:
    """The page streams of a reportlab PDF (ASCII85 over Flate), decoded."""
    out = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        data = stream.strip()
        try:
            if data.endswith(b"~>"):
                data = base64.a85decode(data[:-2])
            out.append(zlib.decompress(data).decode("latin-1"))
        except (ValueError, zlib.error):
            continue
    return "\n".join(out)
