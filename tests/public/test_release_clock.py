"""The release clock is public: on each incident, days from the incident to release against the
city's deadline (or the deadline and how overdue footage still being prepared is), and in the
statistics, how many files were released on time, late, and how many are overdue now."""

from __future__ import annotations

import pytest

from tests.public.conftest import make_canary_incident, release_footage
from tests.public.staff_per_module import _staff_of_the_module, staff  # noqa: F401 (made once for the module)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clocks(staff, signing_key, second_officer, settings):
    from releases.workflow import request_release
    from tests.factories.releases import make_video_footage

    settings.RELEASE_DEADLINE_DAYS = 30
    on_time = make_canary_incident(staff, tag="k1", publish=True, days_ago=5)
    release_footage(on_time, staff, approver=second_officer)
    late = make_canary_incident(staff, tag="k2", publish=True, days_ago=40)
    release_footage(late, staff, approver=second_officer)
    waiting = make_canary_incident(staff, tag="k3", publish=True, days_ago=42)
    request_release(make_video_footage(incident=waiting, uploaded_by=staff.investigator), actor=staff.investigator)
    unpublished = make_canary_incident(staff, tag="k4", publish=False, days_ago=35)
    request_release(make_video_footage(incident=unpublished, uploaded_by=staff.investigator), actor=staff.investigator)
    return on_time, late, waiting


def clock_text(client, incident) -> str:
    page = client.get(f"/incidents/{incident.reference}/").content.decode()
    start = page.index('id="release-clock"')
    return " ".join(page[start:page.index("</dd>", start)].split())


def test_each_incident_says_how_long_release_took_against_the_deadline(client, clocks):
    on_time, late, waiting = clocks
    assert "Footage released 5 days after the incident." in clock_text(client, on_time)
    assert "On time: the city's deadline is 30 days." in clock_text(client, on_time)
    assert "Footage released 40 days after the incident." in clock_text(client, late)
    assert "10 days late." in clock_text(client, late)
    text = clock_text(client, waiting)
    assert "Footage is being prepared for release." in text and "Overdue by 12 days." in text


def test_the_statistics_count_on_time_late_and_overdue_now(client, clocks):
    from public.statistics import chart_by_id

    rows = dict(chart_by_id("release-clock").rows)
    assert rows == {"Released on time": 1, "Released late": 1, "Overdue now (not yet released or withheld)": 2}
    assert "Release clock: footage released by the city&#x27;s deadline of 30 days" in client.get("/statistics/").content.decode()


def test_an_incident_without_footage_shows_no_clock(client, staff):
    incident = make_canary_incident(staff, tag="k5", publish=True)
    assert 'id="release-clock"' not in client.get(f"/incidents/{incident.reference}/").content.decode()
