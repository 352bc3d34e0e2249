"""Issue 25: regions acted on in bulk through the releases API (every change made and audited one by
one, by one writer), and a thumbnail of each region for the reviewer."""

from __future__ import annotations

import pytest

from footage.models import CustodyAction, CustodyEvent
from portal.models import AuditEvent
from releases import review
from releases.models import ChangeKind, RedactionChange
from tests.releases.data_per_module import case, footage, in_review, people  # noqa: F401 (made once for the module)

pytestmark = pytest.mark.django_db


def _bulk(release) -> str:
    return f"/api/releases/{release.pk}/changes/bulk/"


def _tracks(release) -> list[dict]:
    return release.redaction_log["tracks"]


def test_it_removes_every_chosen_region_in_one_request_one_audited_change_each(face_media, in_review, people, api_client):
    ids = [t["id"] for t in _tracks(in_review)]
    response = api_client(people.officer).post(
        _bulk(in_review), {"kind": "suppress", "track_ids": ids, "reason": "false_detection"}, format="json")
    assert response.status_code == 201
    made = RedactionChange.objects.filter(release=in_review, kind=ChangeKind.SUPPRESS).order_by("track_id")
    assert response.json() == {"ids": sorted(c.pk for c in made)}
    assert [c.track_id for c in made] == sorted(ids)
    assert all(c.track_frames == next(t for t in _tracks(in_review) if t["id"] == c.track_id)["frames"] for c in made)
    events = AuditEvent.objects.filter(action="release.change_add", outcome="success")
    assert sorted(e.detail["change"] for e in events) == sorted(c.pk for c in made)
    assert all(e.detail["bulk"] for e in events)


def test_a_range_of_frames_marks_every_region_seen_in_it_on_its_frames_there_only(face_media, in_review, people, api_client):
    response = api_client(people.officer).post(
        _bulk(in_review), {"kind": "do_not_redact", "start_frame": 5, "end_frame": 9, "reason": "official_in_public"},
        format="json")
    assert response.status_code == 201
    made = list(RedactionChange.objects.filter(release=in_review))
    seen = [t for t in _tracks(in_review) if any(5 <= f[0] <= 9 for f in t["frames"])]
    assert sorted(c.track_id for c in made) == sorted(t["id"] for t in seen)
    assert all(c.kind == ChangeKind.DO_NOT_REDACT and c.confirmed_by is None for c in made)
    assert all(5 <= f[0] <= 9 for c in made for f in c.track_frames)


def test_withdrawing_a_range_restores_every_region_change_touching_it_and_leaves_the_others(face_media, in_review, people, api_client):
    track = _tracks(in_review)[0]
    removal = review.add_change(in_review, {"kind": "suppress", "track_id": track["id"], "reason": "false_detection"},
                                actor=people.officer)
    early_box = review.add_change(in_review, {"kind": "manual", "keyframes": [[0, 10, 10, 60, 60]], "start_frame": 0,
                                              "end_frame": 3, "reason": "licence_plate"}, actor=people.officer)
    last = track["frames"][-1][0]
    response = api_client(people.second_officer).post(
        f"/api/releases/{in_review.pk}/changes/withdraw/", {"start_frame": last, "end_frame": last}, format="json")
    assert response.status_code == 200
    assert response.json() == {"ids": [removal.pk]}
    removal.refresh_from_db(), early_box.refresh_from_db()
    assert removal.withdrawn_by == people.second_officer and early_box.withdrawn_at is None
    (event,) = AuditEvent.objects.filter(action="release.change_withdraw", outcome="success")
    assert event.detail == {"change": removal.pk, "bulk": True}


def test_it_refuses_a_region_the_render_does_not_have_and_writes_nothing(face_media, in_review, people, api_client):
    ids = [t["id"] for t in _tracks(in_review)]
    response = api_client(people.officer).post(
        _bulk(in_review), {"kind": "suppress", "track_ids": [*ids, 999], "reason": "false_detection"}, format="json")
    assert response.status_code == 400
    assert "track_ids" in response.json()["errors"]
    assert not RedactionChange.objects.exists()


def test_it_refuses_regions_already_marked_whole_as_the_single_mark_does(face_media, in_review, people, api_client):
    ids = [t["id"] for t in _tracks(in_review)]
    body = {"kind": "suppress", "track_ids": ids, "reason": "false_detection"}
    assert api_client(people.officer).post(_bulk(in_review), body, format="json").status_code == 201
    again = api_client(people.officer).post(_bulk(in_review), body, format="json")
    assert again.status_code == 400 and again.json()["code"] == "duplicate"
    assert RedactionChange.objects.count() == len(ids)


def test_only_a_release_officer_acts_in_bulk_and_the_refusal_is_audited(face_media, in_review, people, api_client):
    ids = [t["id"] for t in _tracks(in_review)]
    response = api_client(people.investigator).post(
        _bulk(in_review), {"kind": "suppress", "track_ids": ids, "reason": "false_detection"}, format="json")
    assert response.status_code == 403
    assert not RedactionChange.objects.exists()
    assert AuditEvent.objects.filter(action="release.change_add", outcome="refused").exists()
    withdraw = api_client(people.investigator).post(f"/api/releases/{in_review.pk}/changes/withdraw/",
                                                    {"start_frame": 0, "end_frame": 1}, format="json")
    assert withdraw.status_code == 403


def test_each_region_has_a_thumbnail_made_once_and_shown_only_to_release_officers(face_media, in_review, people, client):
    from tests.personas import sign_in_verified

    track = _tracks(in_review)[0]["id"]
    url = f"/staff/releases/{in_review.pk}/regions/{track}.jpg"
    sign_in_verified(client, people.investigator)
    assert client.get(url).status_code == 403
    assert not CustodyEvent.objects.filter(action=CustodyAction.DERIVED, detail__region=track).exists()

    sign_in_verified(client, people.officer)
    first = client.get(url)
    assert first.status_code == 200 and first["Content-Type"] == "image/jpeg"
    assert first.content[:3] == b"\xff\xd8\xff"
    assert client.get(url).content == first.content
    (made,) = CustodyEvent.objects.filter(action=CustodyAction.DERIVED, detail__region=track)
    assert made.actor == people.officer
    assert client.get(f"/staff/releases/{in_review.pk}/regions/999.jpg").status_code == 404


def test_a_second_officer_confirms_every_decision_awaiting_them_at_once_each_audited(face_media, in_review, people, api_client):
    made = review.mark_tracks(in_review, {"kind": "do_not_redact", "track_ids": [t["id"] for t in _tracks(in_review)],
                                          "reason": "official_in_public"}, actor=people.officer)
    response = api_client(people.second_officer).post(
        f"/api/releases/{in_review.pk}/changes/confirm/", {"change_ids": [c.pk for c in made]}, format="json")
    assert response.status_code == 200
    assert response.json() == {"ids": [c.pk for c in made]}
    assert all(c.confirmed_by == people.second_officer and c.takes_effect
               for c in RedactionChange.objects.filter(pk__in=[c.pk for c in made]))
    events = AuditEvent.objects.filter(action="release.change_confirm", outcome="success")
    assert sorted(e.detail["change"] for e in events) == sorted(c.pk for c in made)


def test_the_officer_who_made_the_decisions_cannot_confirm_them_in_bulk(face_media, in_review, people, api_client):
    made = review.mark_tracks(in_review, {"kind": "do_not_redact", "track_ids": [t["id"] for t in _tracks(in_review)],
                                          "reason": "official_in_public"}, actor=people.officer)
    response = api_client(people.officer).post(
        f"/api/releases/{in_review.pk}/changes/confirm/", {"change_ids": [c.pk for c in made]}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "two_person_rule"
    assert not RedactionChange.objects.exclude(confirmed_by=None).exists()
    assert AuditEvent.objects.filter(action="release.change_confirm", outcome="refused").exists()
