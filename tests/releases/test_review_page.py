"""The review page in a real browser: regions drawn over the footage, frame stepping, a new box
saved through the server, and WCAG 2.1 AA on desktop and phone."""

from __future__ import annotations

import pytest

from releases.models import ChangeKind, RedactionChange
from tests.browser import assert_accessible, sign_in
from tests.factories.releases import face_clip, make_release_in_review, make_video_footage


@pytest.fixture
def release_with_proxy(case, people):
    footage = make_video_footage(incident=case, uploaded_by=people.investigator, clip=face_clip(), process=True)
    return make_release_in_review(footage=footage, requested_by=people.investigator)


@pytest.mark.django_db(transaction=True)
def test_an_officer_steps_frames_and_draws_a_region_on_the_review_page(live_server, page, release_with_proxy, people):
    sign_in(page, live_server.url, people.officer.username)
    page.goto(f"{live_server.url}/staff/releases/{release_with_proxy.pk}/review/")
    page.wait_for_selector("#track-rows tr th")  # the automatic face track, from the render log
    page.wait_for_function("() => document.getElementById('proxy-video').readyState >= 1")
    assert_accessible(page)

    page.get_by_role("button", name="Forward 1 frame").click()
    page.wait_for_function("() => document.getElementById('frame-status').textContent.startsWith('Frame 1 ')")
    page.keyboard.press("Period")
    page.wait_for_function("() => document.getElementById('frame-status').textContent.startsWith('Frame 2 ')")

    page.get_by_role("button", name="Draw a box").click()
    page.wait_for_timeout(300)  # the page scrolls the footage into view for drawing
    box = page.locator("#overlay").bounding_box()
    page.mouse.move(box["x"] + 10, box["y"] + 10)
    page.mouse.down()
    page.mouse.move(box["x"] + 60, box["y"] + 50, steps=4)
    page.mouse.up()
    page.get_by_text("1 keyframe(s)").wait_for()
    page.get_by_label("Reason", exact=True).first.select_option("licence_plate")
    page.get_by_role("button", name="Save region").click()
    page.wait_for_function("() => (m => m.textContent.includes('saved') || m.className === 'is-error')(document.getElementById('review-message'))")
    assert "Region saved" in page.locator("#review-message").text_content()
    change = RedactionChange.objects.get(release=release_with_proxy, kind=ChangeKind.MANUAL)
    assert change.reason == "licence_plate" and change.created_by == people.officer
    assert change.keyframes[0][0] == 2

    # Removing an automatic region: the server says which track the decision now covers.
    track = release_with_proxy.redaction_log["tracks"][0]["id"]
    row = page.locator("#track-rows tr", has=page.get_by_role("rowheader", name=f"#{track}"))
    row.get_by_role("button", name="Remove (not a face)").click()
    page.wait_for_function("() => document.getElementById('review-message').textContent.includes('will be removed')")
    row.get_by_text("Removed false region").wait_for()
    assert row.get_by_role("button", name="Remove (not a face)").count() == 0
    page.locator("#change-list").get_by_text(f"Removed false region (region #{track})").wait_for()
    removal = RedactionChange.objects.get(release=release_with_proxy, kind=ChangeKind.SUPPRESS)
    assert removal.track_id == track and removal.track_frames == release_with_proxy.redaction_log["tracks"][0]["frames"]


@pytest.mark.django_db(transaction=True)
def test_the_review_page_is_accessible_on_a_phone(live_server, phone_page, release_with_proxy, people):
    sign_in(phone_page, live_server.url, people.officer.username)
    phone_page.goto(f"{live_server.url}/staff/releases/{release_with_proxy.pk}/review/")
    phone_page.wait_for_selector("#track-rows tr th")
    assert_accessible(phone_page)
    phone_page.goto(f"{live_server.url}/staff/releases/{release_with_proxy.pk}/")
    assert_accessible(phone_page)
