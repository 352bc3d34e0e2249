"""Issue 25 in a real browser: each region of the review page shows its picture, and regions are
removed, then restored, several at once."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from releases.models import ChangeKind, RedactionChange
from tests.browser import assert_accessible, sign_in
from tests.factories.releases import face_clip, make_release_in_review, make_video_footage

WAIT_MS = 60_000  # for each answer of a server shared with other test runs


@pytest.fixture
def release_with_proxy(case, people):
    footage = make_video_footage(incident=case, uploaded_by=people.investigator, clip=face_clip(), process=True)
    return make_release_in_review(footage=footage, requested_by=people.investigator)


@pytest.mark.django_db(transaction=True)
def test_an_officer_sees_each_regions_picture_and_removes_then_restores_them_all_at_once(live_server, page, release_with_proxy, people):
    release = release_with_proxy
    tracks = [t["id"] for t in release.redaction_log["tracks"]]
    last = max(t["frames"][-1][0] for t in release.redaction_log["tracks"])
    sign_in(page, live_server.url, people.officer.username)
    page.goto(f"{live_server.url}/staff/releases/{release.pk}/review/")
    pictures = page.locator("#track-rows img.region-thumb")
    expect(pictures).to_have_count(len(tracks), timeout=WAIT_MS)
    pictures.first.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => [...document.querySelectorAll('#track-rows img.region-thumb')].some(i => i.complete && i.naturalWidth > 0)",
        timeout=WAIT_MS)
    assert_accessible(page)

    choices = page.get_by_role("checkbox", name="Choose region")
    expect(choices).to_have_count(len(tracks), timeout=WAIT_MS)
    for track in tracks:
        page.get_by_role("checkbox", name=f"Choose region #{track}", exact=True).check()
    page.get_by_role("button", name="Remove the chosen regions (not faces)").click()
    expect(page.locator("#review-message")).to_contain_text("will be removed at the next render", timeout=WAIT_MS)
    expect(page.get_by_role("button", name="Remove (not a face)")).to_have_count(0, timeout=WAIT_MS)
    expect(page.locator("#track-rows")).to_contain_text("Removed false region", timeout=WAIT_MS)
    assert sorted(RedactionChange.objects.filter(release=release, kind=ChangeKind.SUPPRESS, withdrawn_at=None)
                  .values_list("track_id", flat=True)) == sorted(tracks)

    page.get_by_label("From frame").fill("0")
    page.get_by_label("To frame").fill(str(last))
    page.get_by_role("button", name="Withdraw the changes in this range").click()
    expect(page.locator("#review-message")).to_contain_text("withdrawn", timeout=WAIT_MS)
    expect(page.get_by_role("button", name="Remove (not a face)")).to_have_count(len(tracks), timeout=WAIT_MS)
    assert not RedactionChange.objects.filter(release=release, withdrawn_at=None).exists()
