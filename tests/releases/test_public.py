"""Nothing reaches the public side unless it is approved, published and of a published incident."""

from __future__ import annotations

import pytest
from django.test import Client

from releases.publication import public_file_name
from releases.selectors import published_releases
from releases.workflow import apply_release_transition
from tests.factories.releases import approve_and_publish
from tests.releases.data_per_module import case, footage, in_review, people  # noqa: F401 (made once for the module)

pytestmark = pytest.mark.django_db


def _fetch(release):
    """What the public gets for the release's manifest and file, at their public URLs."""
    client = Client()
    return [
        client.get(f"/releases/{release.pk}/manifest.json").status_code,
        client.get(f"/files/{release.pk}/{public_file_name(release)}").status_code,
    ]


def test_an_unapproved_release_is_never_served_publicly(in_review):
    assert not published_releases().filter(pk=in_review.pk).exists()
    assert _fetch(in_review) == [404, 404]
    assert Client().get(f"/releases/{in_review.pk}/manifest.json").status_code == 404


def test_an_approved_but_unpublished_release_is_not_served(in_review, people):
    apply_release_transition(in_review, "approve", actor=people.second_officer)
    assert _fetch(in_review) == [404, 404]


def test_a_withheld_release_is_never_served_publicly(in_review, people):
    apply_release_transition(in_review, "approve", actor=people.second_officer)
    apply_release_transition(in_review, "withhold", actor=people.second_officer, ground="ongoing_investigation")
    assert not published_releases().filter(pk=in_review.pk).exists()
    assert _fetch(in_review) == [404, 404]


def test_a_published_release_of_an_unpublished_incident_stays_private(in_review, people):
    from incidents.models import Incident

    Incident.objects.filter(pk=in_review.incident_id).update(published_at=None)
    approve_and_publish(in_review, approver=people.second_officer)
    assert not published_releases().filter(pk=in_review.pk).exists()
    assert _fetch(in_review) == [404, 404]


def test_a_published_release_serves_its_file_and_signed_manifest(in_review, people):
    release = approve_and_publish(in_review, approver=people.second_officer)
    assert _fetch(release) == [200, 200]
    body = Client().get(f"/releases/{release.pk}/manifest.json").json()
    assert body["manifest"]["file"]["sha256"] == release.release_sha256 and body["signature"]
    key = Client().get("/.well-known/release-signing-key.pem")
    if key.status_code == 200:
        assert b"BEGIN PUBLIC KEY" in key.content
    ranged = Client().get(f"/files/{release.pk}/{public_file_name(release)}", HTTP_RANGE="bytes=0-99")
    assert ranged.status_code == 206 and ranged["Content-Length"] == "100"
