"""Ingest warns, never blocks: the same SHA-256 already on another case, and a capture time or GPS
position in the file far from the incident's, shown to the investigator."""

from __future__ import annotations

from datetime import datetime, timezone as dt_timezone
from decimal import Decimal

import pytest
from django.urls import reverse

from footage.models import FootageItem
from tests.factories.footage import make_footage
from tests.factories.incidents import make_incident_in_state
from tests.personas import sign_in_verified

pytestmark = pytest.mark.django_db

# The test clip says it was recorded then, there (tests/factories/footage.py CLIP_TAGS).
RECORDED = datetime(2026, 3, 14, 15, 9, 26, tzinfo=dt_timezone.utc)


def _case(people, **overrides):
    return make_incident_in_state("investigation", reporter=people.reporter, supervisor=people.supervisor,
                                  investigator=people.investigator, occurred_start=RECORDED, occurred_end=RECORDED, **overrides)


def _warnings(client, user, item) -> list[str]:
    sign_in_verified(client, user)
    response = client.get(reverse("footage:detail", args=[item.pk]))
    assert response.status_code == 200
    return [w.code for w in response.context["ingest_warnings"]]


def test_footage_recorded_at_the_incident_has_no_warning(client, people):
    item = make_footage(incident=_case(people), uploaded_by=people.reporter, process=False)
    assert _warnings(client, people.investigator, item) == []


def test_it_warns_of_the_same_file_already_on_another_case_and_links_it(client, people):
    first = make_footage(incident=_case(people), uploaded_by=people.reporter, process=False)
    other = _case(people)
    again = make_footage(incident=other, uploaded_by=people.reporter, process=False)

    assert FootageItem.objects.filter(sha256=first.sha256).count() == 2, "never blocked"
    assert _warnings(client, people.investigator, again) == ["duplicate"]
    sign_in_verified(client, people.investigator)
    page = client.get(reverse("incidents:detail", args=[other.pk])).content.decode()
    assert first.incident.reference in page and 'data-warning="duplicate"' in page


def test_it_warns_of_a_capture_time_far_from_the_incident(client, people):
    case = make_incident_in_state("investigation", reporter=people.reporter, supervisor=people.supervisor,
                                  investigator=people.investigator)  # two days ago, not in March
    item = make_footage(incident=case, uploaded_by=people.reporter, process=False)
    assert _warnings(client, people.investigator, item) == ["capture_time"]


def test_it_warns_of_a_gps_position_far_from_the_incident(client, people):
    case = _case(people, latitude=Decimal("41.45"), longitude=Decimal("-81.75"))
    item = make_footage(incident=case, uploaded_by=people.reporter, process=False)
    assert _warnings(client, people.investigator, item) == ["gps"]


def test_the_reporter_sees_no_warnings_meant_for_the_investigator(client, people):
    case = make_incident_in_state("investigation", reporter=people.reporter, supervisor=people.supervisor,
                                  investigator=people.investigator)
    item = make_footage(incident=case, uploaded_by=people.reporter, process=False)
    assert _warnings(client, people.reporter, item) == []
