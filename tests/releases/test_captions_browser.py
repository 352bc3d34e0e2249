"""Captions in Chromium: the reviewer works the captions panel from the keyboard, and the public
page plays the reviewed captions by default, shows the transcript, and axe-core accepts both."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from releases import captions
from releases.workflow import apply_release_transition
from tests.browser import assert_accessible, sign_in
from tests.factories.releases import make_release_in_review, make_video_footage
from tests.releases.test_captions import speech_clip

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def spoken(case, people):
    footage = make_video_footage(incident=case, uploaded_by=people.investigator, clip=speech_clip(), process=True)
    release = make_release_in_review(footage=footage, requested_by=people.investigator)
    release.refresh_from_db()
    return release


def test_a_reviewer_splits_a_cue_plays_from_it_and_marks_the_captions_reviewed_from_the_keyboard(live_server, page, spoken, people):
    sign_in(page, live_server.url, people.officer.username)
    page.goto(f"{live_server.url}/staff/releases/{spoken.pk}/review/")
    page.wait_for_selector("#cue-rows tr")
    assert "not yet reviewed" in page.locator("#captions-status").inner_text()
    assert_accessible(page)
    before = page.locator("#cue-rows tr").count()

    page.locator("#cue-rows tr").first.get_by_role("button", name="Split").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#cue-rows tr")).to_have_count(before + 1)
    page.locator("#cue-rows tr").nth(1).get_by_role("button", name="Play").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => !document.getElementById('redacted-video').paused")
    page.locator("#word-list button").first.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#word-selection")).to_contain_text("Selected:")
    page.locator("#captions-reviewed").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('captions-status').textContent.includes('Reviewed by')")

    transcript = captions.current_transcript(spoken)
    assert transcript.reviewed_by == people.officer and len(transcript.cues) == before + 1


def test_the_public_player_shows_the_reviewed_captions_by_default_and_the_transcript(live_server, page, spoken, people):
    transcript = captions.current_transcript(spoken)
    captions.mark_reviewed(transcript, actor=people.officer)
    apply_release_transition(spoken, "approve", actor=people.officer)
    apply_release_transition(spoken, "approve", actor=people.second_officer)
    apply_release_transition(spoken, "publish", actor=people.officer)

    page.goto(f"{live_server.url}/incidents/{spoken.incident.reference}/")
    page.wait_for_selector(".vjs-big-play-button")
    # Video.js draws captions itself: its track list, not the element's, says what is showing.
    page.wait_for_function(
        "() => { const t = videojs.getAllPlayers()[0].textTracks(); "
        "return t.length === 1 && t[0].kind === 'captions' && t[0].language === 'en' && t[0].mode === 'showing'; }"
    )
    assert page.locator("pre.transcript").inner_text().strip().startswith("[00:00:0")
    assert_accessible(page)


def test_the_captions_panel_shows_the_drafts_progress_and_then_the_draft_without_a_reload(live_server, page, case, people):
    from portal import job_claims
    from portal.celery import app
    from releases import transcription
    from releases.models import RenderJob, TranscriptionJob
    from releases.rendering import run_render_job
    from releases.workflow import request_release

    footage = make_video_footage(incident=case, uploaded_by=people.investigator, clip=speech_clip(), process=True)
    app.conf.task_always_eager = False  # no worker reads the queue: the test plays the transcription worker
    try:
        release = request_release(footage, actor=people.investigator)
        run_render_job(RenderJob.objects.get(release=release).pk)
    finally:
        app.conf.task_always_eager = True
    release.refresh_from_db()
    job = transcription.claim(TranscriptionJob.objects.get(release=release).pk)
    owned = job_claims.owned(job)
    transcription.ProgressWriter(owned)(0.4)

    sign_in(page, live_server.url, people.officer.username)
    page.goto(f"{live_server.url}/staff/releases/{release.pk}/review/")
    expect(page.locator("#captions-status")).to_contain_text("Drafting the captions from the release copy: 40% done")
    transcription.ProgressWriter(owned)(0.7)
    expect(page.locator("#captions-status")).to_contain_text("70% done")

    draft = captions.transcribe_render(release.release_file.path, has_audio=True, duration=job.duration, hidden=[])
    assert transcription._record(job, owned, draft) is True
    expect(page.locator("#captions-status")).to_contain_text("not yet reviewed")
    expect(page.locator("#cue-rows tr").first).to_be_visible()
