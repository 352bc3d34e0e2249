"""Withheld footage is said, not hidden: the incident page says that footage exists, that it was
withheld, on what legal ground and by when the city will review that, and nothing more."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import formats

from releases.workflow import apply_release_transition
from tests.public.conftest import make_canary_incident
from tests.public.staff_per_module import _staff_of_the_module, staff  # noqa: F401 (made once for the module)

pytestmark = pytest.mark.django_db

# The day the withholding officer set for the review (not a fixed delay after the decision).
REVIEW_ON = date.today() + timedelta(days=17)


@pytest.fixture
def withheld(staff, signing_key):
    from tests.factories.releases import make_release_in_review, make_video_footage

    incident = make_canary_incident(staff, tag="w1", publish=True)
    footage = make_video_footage(incident=incident, uploaded_by=staff.investigator)
    release = make_release_in_review(footage=footage, requested_by=staff.investigator)
    apply_release_transition(release, "withhold", actor=staff.release_officer, ground="ongoing_investigation",
                             reason="CANARY-WITHHELD-EXPLANATION the grand jury meets next week",
                             review_on=REVIEW_ON.isoformat())
    release.refresh_from_db()
    return incident, release


def test_a_withheld_video_is_said_with_its_ground_and_the_recorded_review_date(client, withheld):
    incident, release = withheld
    page = client.get(f"/incidents/{incident.reference}/").content.decode()
    assert "No video or photos have been released" not in page
    assert "A video exists but was withheld." in page
    assert "An investigation is still going on" in page
    review_by = formats.date_format(REVIEW_ON, "DATE_FORMAT")
    assert release.withheld_review_on == REVIEW_ON
    assert f"the city will review this decision by {review_by}" in page
    assert "canary" not in page.lower() and "grand jury" not in page


def test_it_is_said_in_spanish_too(client, withheld):
    incident, _ = withheld
    page = client.get(f"/incidents/{incident.reference}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Existe un video, pero se retuvo." in page


def test_footage_asked_for_again_is_no_longer_listed_as_withheld(client, withheld, staff):
    from releases.workflow import request_release

    incident, release = withheld
    request_release(release.footage, actor=staff.investigator)
    page = client.get(f"/incidents/{incident.reference}/").content.decode()
    assert "withheld" not in page
    assert "No video or photos have been released" in page


def test_an_incident_without_withheld_footage_says_nothing_was_released(client, staff):
    incident = make_canary_incident(staff, tag="w2", publish=True)
    page = client.get(f"/incidents/{incident.reference}/").content.decode()
    assert "No video or photos have been released" in page and "withheld" not in page


def test_a_withholding_decision_changes_the_incident_pages_etag(client, staff, signing_key):
    from tests.factories.releases import make_release_in_review, make_video_footage

    incident = make_canary_incident(staff, tag="w3", publish=True)
    footage = make_video_footage(incident=incident, uploaded_by=staff.investigator)
    release = make_release_in_review(footage=footage, requested_by=staff.investigator)
    url = f"/incidents/{incident.reference}/"
    before = client.get(url)["ETag"]
    apply_release_transition(release, "withhold", actor=staff.release_officer, ground="court_order", review_on=REVIEW_ON)
    after = client.get(url, HTTP_IF_NONE_MATCH=before)
    assert after.status_code == 200
    assert "A video exists but was withheld." in after.content.decode()
