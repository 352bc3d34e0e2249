"""The two-person rule and the role rules hold whichever door is tried: page, API or admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from releases import review
from releases.models import Release, ReleaseState
from tests.factories.releases import render_pending
from releases.workflow import apply_release_transition
from tests.personas import PASSWORD, sign_in_verified
from tests.releases.data_per_module import case, footage, in_review, people  # noqa: F401 (made once for the module)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shaped_by_rhea(in_review, people):
    """Rhea muted a range and re-rendered: she may not approve her own redaction."""
    review.add_change(in_review, {"kind": "mute", "start_seconds": 0.1, "end_seconds": 0.5, "reason": "witness"}, actor=people.officer)
    apply_release_transition(in_review, "rerender", actor=people.officer)
    return render_pending(in_review)


def _state(release):
    return Release.objects.get(pk=release.pk).state


def _signoffs(release):
    from releases.models import SignOff

    return list(SignOff.objects.filter(release=release).values_list("signed_by__username", flat=True))


def test_the_page_refuses_one_officer_signing_twice_or_publishing_alone(client, shaped_by_rhea, people):
    sign_in_verified(client, people.officer)
    url = reverse("releases:transition", args=[shaped_by_rhea.pk])
    assert client.post(url, {"action": "approve"}).status_code == 302  # her sign-off, as the maker
    assert _state(shaped_by_rhea) == ReleaseState.IN_REVIEW
    response = client.post(url, {"action": "approve"})
    assert response.status_code == 403
    assert b"second release officer must sign" in response.content
    response = client.post(url, {"action": "publish"})
    assert response.status_code == 409  # not signed off yet: the release's state, not the request, is at fault
    assert _state(shaped_by_rhea) == ReleaseState.IN_REVIEW and _signoffs(shaped_by_rhea) == ["rhea"]


def test_the_api_refuses_one_officer_signing_twice_or_publishing_alone_with_403_and_409(api_client, shaped_by_rhea, people):
    api = api_client(people.second_officer)
    url = f"/api/releases/{shaped_by_rhea.pk}/transitions/"
    response = api.post(url, {"action": "approve"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "in_review"
    assert response.json()["signing"]["signoffs"][0]["user"] == "rafa"
    response = api.post(url, {"action": "approve"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "two_person_rule"
    response = api.post(url, {"action": "publish"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "wrong_state" and response.json()["detail"]
    assert _state(shaped_by_rhea) == ReleaseState.IN_REVIEW and _signoffs(shaped_by_rhea) == ["rafa"]


def test_a_second_officer_completes_approval_through_the_api_and_the_first_publishes_through_the_page(
    api_client, client, shaped_by_rhea, people
):
    sign_in_verified(client, people.officer)
    assert client.post(reverse("releases:transition", args=[shaped_by_rhea.pk]), {"action": "approve"}).status_code == 302
    response = api_client(people.second_officer).post(
        f"/api/releases/{shaped_by_rhea.pk}/transitions/", {"action": "approve"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "approved"
    assert response.json()["signing"]["complete"] is True
    response = client.post(reverse("releases:transition", args=[shaped_by_rhea.pk]), {"action": "publish"})
    assert response.status_code == 302
    assert _state(shaped_by_rhea) == ReleaseState.PUBLISHED


def test_the_api_refuses_system_steps_and_hostile_bodies_without_a_500(api_client, shaped_by_rhea, people):
    api = api_client(people.second_officer)
    url = f"/api/releases/{shaped_by_rhea.pk}/transitions/"
    assert api.post(url, {"action": "finish_redaction"}, format="json").status_code == 403
    assert api.post(url, {"action": ["approve"]}, format="json").status_code == 400
    assert api.post(url, "[1, 2]", content_type="application/json").status_code == 400
    assert api.post(url, "{not json", content_type="application/json").status_code == 400
    changes = f"/api/releases/{shaped_by_rhea.pk}/changes/"
    bad = [
        {"kind": "manual", "keyframes": "lots", "reason": "minor"},
        {"kind": "manual", "keyframes": [[-5, 1, 1, 50, 50]], "reason": "minor"},
        {"kind": "manual", "keyframes": [[0, 1, 1, 50, 50]], "reason": "because"},
        {"kind": "mute", "start_seconds": 2, "end_seconds": 1, "reason": "witness"},
        {"kind": "suppress", "track_id": 99999, "reason": "false_detection"},
        {"kind": "teleport"},
    ]
    infinite = '{"kind": "manual", "keyframes": [[0, 1, 1, 1e999, 5]], "reason": "minor"}'
    assert api.post(changes, infinite, content_type="application/json").status_code == 400
    for body in bad:
        response = api.post(changes, body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert response.json()["errors"]


def test_people_who_cannot_see_the_case_get_404_and_others_403(api_client, client, shaped_by_rhea, people):
    url = f"/api/releases/{shaped_by_rhea.pk}/transitions/"
    assert api_client(people.other_investigator).post(url, {"action": "approve"}, format="json").status_code == 404
    assert api_client(people.admin).post(url, {"action": "approve"}, format="json").status_code == 404
    assert api_client(people.auditor).post(url, {"action": "approve"}, format="json").status_code == 403
    assert api_client(people.supervisor).post(url, {"action": "approve"}, format="json").status_code == 403
    sign_in_verified(client, people.other_investigator)
    assert client.get(reverse("releases:detail", args=[shaped_by_rhea.pk])).status_code == 404
    assert client.get(reverse("releases:redacted", args=[shaped_by_rhea.pk])).status_code == 404
    sign_in_verified(client, people.auditor)
    assert client.get(reverse("releases:detail", args=[shaped_by_rhea.pk])).status_code == 200
    assert client.get(reverse("releases:review", args=[shaped_by_rhea.pk])).status_code == 403
    assert client.get(reverse("releases:redacted", args=[shaped_by_rhea.pk])).status_code == 403
    assert _state(shaped_by_rhea) == ReleaseState.IN_REVIEW


def test_the_admin_site_can_only_read_releases(client, shaped_by_rhea, people, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@city.invalid", PASSWORD)
    sign_in_verified(client, root)
    base = f"/admin/releases/release/{shaped_by_rhea.pk}"
    assert client.get(f"{base}/change/").status_code == 200  # a read-only view
    client.post(f"{base}/change/", {"state": "approved", "approved_by": root.pk})
    assert client.post(f"{base}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/releases/release/add/").status_code == 403
    response = client.post("/admin/releases/release/", {"action": "delete_selected", "_selected_action": [shaped_by_rhea.pk]})
    assert response.status_code in (200, 302)
    release = Release.objects.get(pk=shaped_by_rhea.pk)
    assert release.state == ReleaseState.IN_REVIEW and release.approved_by is None
    for model in ("redactionchange", "renderjob", "signoff"):
        assert client.get(f"/admin/releases/{model}/add/").status_code == 403


def test_the_admin_site_cannot_add_the_missing_sign_off_nor_publish_for_one_officer(client, shaped_by_rhea, people,
                                                                                    django_user_model):
    apply_release_transition(shaped_by_rhea, "approve", actor=people.officer)
    root = django_user_model.objects.create_superuser("root", "root@city.invalid", PASSWORD)
    sign_in_verified(client, root)
    client.post("/admin/releases/signoff/add/", {"release": shaped_by_rhea.pk, "signed_by": root.pk})
    client.post(f"/admin/releases/release/{shaped_by_rhea.pk}/change/", {"state": "published", "published_by": people.officer.pk})
    (only,) = Release.objects.get(pk=shaped_by_rhea.pk).signoffs.all()
    assert only.signed_by == people.officer
    client.post(f"/admin/releases/signoff/{only.pk}/change/", {"signed_by": people.second_officer.pk})
    client.post(f"/admin/releases/signoff/{only.pk}/delete/", {"post": "yes"})
    assert list(Release.objects.get(pk=shaped_by_rhea.pk).signoffs.values_list("signed_by", flat=True)) == [people.officer.pk]
    assert _state(shaped_by_rhea) == ReleaseState.IN_REVIEW


def test_do_not_redact_needs_a_second_officer(face_media, in_review, people, api_client):
    track = {"kind": "do_not_redact", "reason": "official_in_public"}
    tracks = in_review.redaction_log.get("tracks", [])
    assert tracks, "the face clip (shared/media/faces/obama.jpg) should give the pipeline one face track to mark"
    change = review.add_change(in_review, {**track, "track_id": tracks[0]["id"]}, actor=people.officer)
    url = f"/api/releases/{in_review.pk}/changes/{change.pk}/confirm/"
    assert api_client(people.officer).post(url, {}, format="json").status_code == 403
    assert api_client(people.second_officer).post(url, {}, format="json").status_code == 200
