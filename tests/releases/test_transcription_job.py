"""Drafting captions is a job of its own: queued when a render is recorded, run once however
often it is sent, picked up again when its worker is lost, its progress shown on the review page,
and a reviewer's captions kept across renders wherever the audio did not change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from portal import job_claims
from portal.models import AuditEvent, AuditOutcome
from releases import captions, transcription
from releases.models import ChangeKind, RenderJob, RenderState, Transcript, TranscriptionJob, TranscriptStatus
from releases.rendering import run_render_job
from releases.tasks import transcribe_release
from releases.workflow import apply_release_transition, request_release
from tests.factories.releases import make_release_in_review, make_video_footage, render_pending
from tests.personas import sign_in_verified
from tests.releases.test_captions import speech_clip

pytestmark = pytest.mark.django_db


@pytest.fixture
def spoken(case, people):
    footage = make_video_footage(incident=case, uploaded_by=people.investigator, clip=speech_clip())
    return make_release_in_review(footage=footage, requested_by=people.investigator)


@pytest.fixture
def rendered_not_drafted(case, people):
    """A release whose render is recorded and whose transcription job waits in the queue."""
    footage = make_video_footage(incident=case, uploaded_by=people.investigator, clip=speech_clip())
    release = request_release(footage, actor=people.investigator)
    run_render_job(RenderJob.objects.get(release=release).pk)
    release.refresh_from_db()
    return release


def test_a_recorded_render_queues_its_transcription_on_commit_and_the_worker_drafts_it(case, people, django_capture_on_commit_callbacks):
    footage = make_video_footage(incident=case, uploaded_by=people.investigator, clip=speech_clip())
    release = request_release(footage, actor=people.investigator)
    render = RenderJob.objects.get(release=release)

    with django_capture_on_commit_callbacks(execute=True):
        run_render_job(render.pk)

    release.refresh_from_db()
    job = TranscriptionJob.objects.get(release=release)
    assert (job.state, job.rendered_at, job.release_sha256, job.render_job_id) == (
        RenderState.DONE, release.rendered_at, release.release_sha256, render.pk
    )
    transcript = captions.current_transcript(release)
    assert transcript.status == TranscriptStatus.SPEECH and transcript.words
    assert AuditEvent.objects.filter(action="release.captions_drafted", object_id=str(release.pk)).count() == 1


def test_until_the_draft_is_made_the_release_cannot_be_signed_off_for_its_captions(rendered_not_drafted):
    problem = captions.approval_problem(rendered_not_drafted)

    assert problem.code == "captions_missing" and "being drafted (0% done)" in problem.message


def test_sending_the_job_again_drafts_once_and_queueing_the_same_render_again_adds_no_job(rendered_not_drafted):
    release = rendered_not_drafted
    job = TranscriptionJob.objects.get(release=release)

    assert transcription.run_transcription_job(job.pk) is True
    transcribe_release.delay(job.pk)
    again = transcription.queue_for_render(release, None, rendered_at=release.rendered_at, sha256=release.release_sha256,
                                           hidden=[], duration=9, has_audio=True)

    assert again.pk == job.pk and TranscriptionJob.objects.filter(release=release).count() == 1
    assert Transcript.objects.filter(release=release).count() == 1
    assert transcription.run_transcription_job(job.pk) is False


def test_a_job_whose_worker_went_quiet_is_sent_again_by_the_sweep_and_finishes(rendered_not_drafted, no_worker):
    release = rendered_not_drafted
    job = TranscriptionJob.objects.get(release=release)
    lost = transcription.claim(job.pk)  # a worker took it, then was killed

    assert transcription.requeue_stale_jobs(stale_after=timedelta(hours=1)) == []
    assert transcription.requeue_stale_jobs(stale_after=timedelta(0)) == [job.pk]
    assert transcription.run_transcription_job(job.pk) is True

    job.refresh_from_db()
    assert (job.state, job.attempts) == (RenderState.DONE, lost.attempts + 1)
    assert captions.current_transcript(release).status == TranscriptStatus.SPEECH


def test_an_attempt_the_sweep_took_back_stops_and_records_nothing(rendered_not_drafted, no_worker):
    job = TranscriptionJob.objects.get(release=rendered_not_drafted)
    first = transcription.claim(job.pk)
    transcription.requeue_stale_jobs(stale_after=timedelta(0))
    transcription.claim(job.pk)  # the second attempt now holds it

    report = transcription.ProgressWriter(job_claims.owned(first))
    with pytest.raises(transcription.TakenOver):
        report(0.5)
    assert transcription._record(first, job_claims.owned(first), {}) is False
    assert not Transcript.objects.filter(release=rendered_not_drafted).exists()


def test_a_job_whose_worker_is_lost_on_every_attempt_leaves_captions_a_person_must_settle(rendered_not_drafted, no_worker, settings, people):
    release = rendered_not_drafted
    job = TranscriptionJob.objects.get(release=release)
    for _ in range(settings.TRANSCRIPTION_MAX_ATTEMPTS - 1):
        transcription.claim(job.pk)
        assert transcription.requeue_stale_jobs(stale_after=timedelta(0)) == [job.pk]
    transcription.claim(job.pk)
    assert transcription.requeue_stale_jobs(stale_after=timedelta(0)) == []

    job.refresh_from_db()
    assert job.state == RenderState.FAILED and "lost on every attempt" in job.last_error
    transcript = captions.current_transcript(release)
    assert transcript.status == TranscriptStatus.UNREADABLE and "could not be drafted" in transcript.problem
    assert "could not be transcribed" in captions.approval_problem(release).message
    event = AuditEvent.objects.get(action="release.captions_failed")
    assert event.outcome == AuditOutcome.FAILED
    captions.mark_reviewed(transcript, actor=people.officer, no_speech=True)
    release.refresh_from_db()
    assert captions.approval_problem(release) is None


def test_corrupt_audio_finishes_the_job_with_a_clear_state_at_once(case, people, monkeypatch):
    import media.transcribe as engine

    monkeypatch.setattr(engine, "FFMPEG", "false")  # the audio decoder fails, as on a corrupt track
    footage = make_video_footage(incident=case, uploaded_by=people.investigator, clip=speech_clip())
    release = make_release_in_review(footage=footage, requested_by=people.investigator)

    job = TranscriptionJob.objects.get(release=release)
    assert (job.state, job.attempts) == (RenderState.DONE, 1)
    assert captions.current_transcript(release).status == TranscriptStatus.UNREADABLE


def test_the_review_page_shows_how_far_the_draft_got(client, rendered_not_drafted, people, no_worker):
    release = rendered_not_drafted
    job = transcription.claim(TranscriptionJob.objects.get(release=release).pk)
    transcription.ProgressWriter(job_claims.owned(job))(0.4)
    sign_in_verified(client, people.officer)

    data = client.get(reverse("releases:captions-data", args=[release.pk])).json()

    assert data["transcript"] is None
    assert data["drafting"] == {"state": "running", "percent": 40, "stage": "transcribing", "attempts": 1}
    assert "being drafted (40% done)" in captions.approval_problem(release).message


# ---- captions kept across renders ----------------------------------------------------------------


def _reviewed_in_capitals(release, officer) -> list[dict]:
    """The reviewer's own captions, reviewed: short cues of two words each, in capitals."""
    transcript = captions.current_transcript(release)
    pairs = [transcript.words[i:i + 2] for i in range(0, len(transcript.words), 2)]
    cues = [{"start": p[0][1], "end": p[-1][2], "text": " ".join(w[0] for w in p).upper(), "kind": "speech"} for p in pairs]
    captions.save_cues(transcript, cues, actor=officer)
    captions.mark_reviewed(transcript, actor=officer)
    return captions.current_transcript(release).cues


def test_a_rerender_that_leaves_the_audio_as_it_was_keeps_every_reviewed_cue(spoken, people):
    reviewed = _reviewed_in_capitals(spoken, people.officer)

    apply_release_transition(spoken, "rerender", actor=people.officer)
    render_pending(spoken)

    transcript = captions.current_transcript(spoken)
    assert transcript.cues == reviewed and transcript.carried_cues == len(reviewed)
    assert not transcript.reviewed  # a new copy: a person confirms its captions again


def test_a_rerender_with_a_newly_muted_word_keeps_the_other_reviewed_cues_and_says_removed_where_it_was(spoken, people):
    reviewed = _reviewed_in_capitals(spoken, people.officer)
    transcript = captions.current_transcript(spoken)
    k = len(transcript.words) // 2
    change = captions.hide_words(transcript, k, k, kind=ChangeKind.MUTE, reason="spoken_personal_data", actor=people.officer)
    muted = (change.start_seconds, change.end_seconds)

    apply_release_transition(spoken, "rerender", actor=people.officer)
    render_pending(spoken)

    after = captions.current_transcript(spoken).cues
    untouched = [c for c in reviewed if c["end"] <= muted[0] or c["start"] >= muted[1]]
    assert untouched and all(c in after for c in untouched)
    at_the_mute = [c for c in after if c["start"] < muted[1] and c["end"] > muted[0]]
    assert at_the_mute and any(captions.REMOVED in c["text"] for c in at_the_mute)
    assert not any(c in reviewed for c in at_the_mute)
    assert [c["start"] for c in after] == sorted(c["start"] for c in after)
    assert all(a["end"] <= b["start"] + 0.001 for a, b in zip(after, after[1:]))


def test_changed_ranges_are_where_one_render_hid_audio_and_the_other_did_not():
    assert captions.changed_ranges([[1, 2]], [[1, 2]]) == []
    assert captions.changed_ranges([], [[3, 4]]) == [(3, 4)]
    assert captions.changed_ranges([[1, 2]], [[1.5, 3]]) == [(1, 1.5), (2, 3)]
    assert captions.changed_ranges([[1, 2], [5, 6]], [[5, 6]]) == [(1, 2)]
