"""The staff pages: asking for a release, the detail page's actions and their field messages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from releases.models import Release, ReleaseState
from tests.personas import sign_in_verified
from tests.releases.data_per_module import case, footage, people  # noqa: F401 (made once for the module)

pytestmark = pytest.mark.django_db


def test_the_assigned_investigator_asks_for_a_release_on_the_form(client, footage, people):
    sign_in_verified(client, people.investigator)
    url = reverse("releases:request", args=[footage.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"mode": "fill", "reason": "Public interest."})
    release = Release.objects.get(footage=footage)
    assert response.status_code == 302 and response["Location"] == reverse("releases:detail", args=[release.pk])
    assert release.mode == "fill" and release.requested_by == people.investigator


def test_the_request_form_refuses_other_people_and_bad_input(client, footage, people):
    url = reverse("releases:request", args=[footage.pk])
    sign_in_verified(client, people.other_investigator)
    assert client.get(url).status_code == 404
    sign_in_verified(client, people.officer)
    assert client.get(url).status_code == 404  # release officers see footage only once its release is asked for
    sign_in_verified(client, people.supervisor)
    response = client.post(url, {"mode": "mosaic"})
    assert response.status_code == 400 and b"Choose heavy blur or solid fill" in response.content
    assert not Release.objects.exists()


def test_withholding_without_a_ground_shows_the_message_beside_the_field(client, in_review, people):
    sign_in_verified(client, people.officer)
    url = reverse("releases:transition", args=[in_review.pk])
    response = client.post(url, {"action": "withhold", "ground": ""})
    assert response.status_code == 400
    assert b'id="withhold-ground-error"' in response.content
    response = client.post(url, {"action": "withhold", "ground": "minor_privacy"})
    assert response.status_code == 302
    assert Release.objects.get(pk=in_review.pk).state == ReleaseState.WITHHELD


def test_the_withhold_form_records_the_review_date_and_the_page_shows_it(client, in_review, people):
    from datetime import timedelta

    from django.utils import timezone

    sign_in_verified(client, people.officer)
    url = reverse("releases:transition", args=[in_review.pk])
    form = client.get(reverse("releases:detail", args=[in_review.pk])).content.decode()
    assert 'name="review_on"' in form
    response = client.post(url, {"action": "withhold", "ground": "court_order", "review_on": "1999-01-01"})
    assert response.status_code == 400 and b'id="withhold-review-on-error"' in response.content
    review_on = timezone.localdate() + timedelta(days=30)
    response = client.post(url, {"action": "withhold", "ground": "court_order", "review_on": review_on.isoformat()})
    assert response.status_code == 302
    page = client.get(reverse("releases:detail", args=[in_review.pk])).content.decode()
    assert f"by {review_on.isoformat()}" in page and 'id="withheld-review-on"' in page


def test_the_list_and_detail_pages_show_the_release_to_those_who_may_see_it(client, in_review, people):
    sign_in_verified(client, people.auditor)
    assert f"Release {in_review.pk}".encode() in client.get(reverse("releases:list")).content
    detail = client.get(reverse("releases:detail", args=[in_review.pk]))
    assert in_review.release_sha256.encode() in detail.content
    assert b"Approve for release" not in detail.content  # auditors read, never act
    sign_in_verified(client, people.other_investigator)
    assert f"Release {in_review.pk}".encode() not in client.get(reverse("releases:list")).content


def test_the_review_page_makes_its_changes_through_the_api_and_the_pages_serve_none(client, in_review, people):
    from releases import review

    review.add_change(in_review, {"kind": "manual", "keyframes": [[0, 4, 4, 20, 20], [2, 6, 6, 22, 22]], "reason": "licence_plate"},
                      actor=people.officer)
    sign_in_verified(client, people.officer)
    data = client.get(reverse("releases:review-data", args=[in_review.pk])).json()
    api = f"/api/releases/{in_review.pk}/"
    assert data["urls"]["changes"] == f"{api}changes/"
    change = data["changes"][0]
    assert change["withdraw_url"] == f"{api}changes/{change['id']}/withdraw/"
    assert change["confirm_url"] == f"{api}changes/{change['id']}/confirm/"
    for page in ("changes/", f"changes/{change['id']}/withdraw/", f"changes/{change['id']}/confirm/", "findings/0/clear/"):
        assert client.post(f"/staff/releases/{in_review.pk}/{page}", {"reason": "Not a face."}).status_code == 404
    assert not in_review.changes.filter(withdrawn_at__isnull=False).exists()


def test_a_transition_posted_as_json_to_the_page_is_not_taken(client, in_review, people):
    sign_in_verified(client, people.officer)
    url = reverse("releases:transition", args=[in_review.pk])
    response = client.post(url, {"action": "withhold", "ground": "minor_privacy"}, content_type="application/json")
    assert response.status_code == 400 and b"<html" in response.content
    assert Release.objects.get(pk=in_review.pk).state == ReleaseState.IN_REVIEW
