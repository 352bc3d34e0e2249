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
def test_an_officer_places_moves_resizes_and_saves_a_box_with_the_keyboard_only(live_server, page, release_with_proxy, people):
    sign_in(page, live_server.url, people.officer.username)
    page.goto(f"{live_server.url}/staff/releases/{release_with_proxy.pk}/review/")
    page.wait_for_selector("#track-rows tr th")
    page.wait_for_function("() => document.getElementById('proxy-video').readyState >= 1")
    page.keyboard.press("Period")
    page.wait_for_function("() => document.getElementById('frame-status').textContent.startsWith('Frame 1 ')")

    page.get_by_role("button", name="Place a box with the keyboard").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'overlay'")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowDown")
    page.keyboard.press("Shift+ArrowDown")
    page.keyboard.press("Enter")
    page.get_by_text("1 keyframe(s), frames 1 to 1.").wait_for()
    assert page.get_by_label("Box hidden from (seconds)").input_value() == "0.00"  # one second either side, clamped
    assert_accessible(page)

    page.get_by_label("Reason", exact=True).first.focus()
    page.get_by_label("Reason", exact=True).first.select_option("licence_plate")
    page.get_by_role("button", name="Save region").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => (m => m.textContent.includes('saved') || m.className === 'is-error')(document.getElementById('review-message'))")
    assert "Region saved" in page.locator("#review-message").text_content()

    change = RedactionChange.objects.get(release=release_with_proxy, kind=ChangeKind.MANUAL)
    [[frame, x1, y1, x2, y2]] = change.keyframes
    w, h = release_with_proxy.footage.width, release_with_proxy.footage.height
    step_x, step_y = max(2, round(w / 100)), max(2, round(h / 100))
    assert frame == 1 and change.start_frame == 0 and change.end_frame > frame
    assert (x1, x2) == pytest.approx((0.4 * w + 3 * step_x, 0.6 * w + 3 * step_x), abs=0.1)
    assert (y1, y2) == pytest.approx((0.4 * h, 0.6 * h + 2 * step_y), abs=0.1)
    # The saved region shows on the timeline, with its range in seconds.
    page.locator("#region-ranges").get_by_text(f"c{change.pk} ").wait_for()


@pytest.mark.django_db(transaction=True)
def test_the_review_page_is_accessible_on_a_phone(live_server, phone_page, release_with_proxy, people):
    sign_in(phone_page, live_server.url, people.officer.username)
    phone_page.goto(f"{live_server.url}/staff/releases/{release_with_proxy.pk}/review/")
    phone_page.wait_for_selector("#track-rows tr th")
    assert_accessible(phone_page)
    phone_page.goto(f"{live_server.url}/staff/releases/{release_with_proxy.pk}/")
    assert_accessible(phone_page)
