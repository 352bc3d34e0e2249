"""Deadlines: overdue releases on the supervisors' and release officers' home pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from releases.models import Release
from releases.selectors import overdue_releases
from releases.workflow import apply_release_transition, request_release
from tests.personas import sign_in_verified
from tests.releases.data_per_module import case, footage, people  # noqa: F401 (made once for the module)

pytestmark = pytest.mark.django_db


def test_the_deadline_is_counted_from_the_incident_and_configurable(footage, people, settings):
    settings.RELEASE_DEADLINE_DAYS = 10
    release = request_release(footage, actor=people.investigator)
    assert release.due_at == footage.incident.occurred_start + timedelta(days=10)


def test_an_open_release_past_its_deadline_is_overdue_until_decided(in_review, people):
    assert not overdue_releases().exists()
    Release.objects.filter(pk=in_review.pk).update(due_at=timezone.now() - timedelta(days=1))
    assert list(overdue_releases()) == [in_review]
    apply_release_transition(in_review, "withhold", actor=people.officer, ground="ongoing_investigation")
    assert not overdue_releases().exists()


def test_supervisors_and_officers_see_overdue_releases_at_home(client, in_review, people):
    Release.objects.filter(pk=in_review.pk).update(due_at=timezone.now() - timedelta(days=3))
    sign_in_verified(client, people.supervisor)
    page = client.get("/staff/").content.decode()
    assert "Overdue releases" in page and f"Release {in_review.pk}" in page
    sign_in_verified(client, people.officer)
    page = client.get("/staff/").content.decode()
    assert "Releases in review" in page and "Overdue releases" in page
    sign_in_verified(client, people.reporter)
    assert "Overdue releases" not in client.get("/staff/").content.decode()


def test_the_release_list_and_page_say_when_a_release_is_overdue(client, in_review, people):
    sign_in_verified(client, people.officer)
    due = timezone.localtime(in_review.due_at).strftime("%Y-%m-%d")
    for url in ("/staff/releases/", f"/staff/releases/{in_review.pk}/"):
        page = client.get(url).content.decode()
        assert due in page and "Overdue since" not in page, url
    past = timezone.now() - timedelta(days=3)
    Release.objects.filter(pk=in_review.pk).update(due_at=past)
    due = timezone.localtime(past).strftime("%Y-%m-%d")
    for url in ("/staff/releases/", f"/staff/releases/{in_review.pk}/"):
        assert f"Overdue since {due}" in client.get(url).content.decode(), url
    apply_release_transition(in_review, "withhold", actor=people.officer, ground="ongoing_investigation")
    for url in ("/staff/releases/", f"/staff/releases/{in_review.pk}/"):
        assert "Overdue since" not in client.get(url).content.decode(), url
