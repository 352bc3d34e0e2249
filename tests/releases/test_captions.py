"""Captions of a release: the transcription job drafts them from the copy as released, a person reviews
them, words selected in the transcript are hidden in the next render, and approval waits for the
review whichever door is tried."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.urls import reverse

from media import make_speech_audio, make_test_clip
from releases import captions
from releases.models import ChangeKind, Release, ReleaseState, Transcript, TranscriptStatus
from releases.workflow import apply_release_transition
from tests.factories.releases import make_release_in_review, make_video_footage, render_pending
from tests.personas import sign_in_verified

pytestmark = pytest.mark.django_db

SCRIPT = "the officer walked to the car and opened the door. please stop the car now. the police are here"
_CLIPS: dict[str, Path] = {}


def speech_clip() -> Path:
    """A 9 s synthetic clip with espeak-ng speaking SCRIPT under it, made once per session."""
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is not installed: scripts/ensure_system_packages.sh test installs it")
    if "speech" not in _CLIPS or not _CLIPS["speech"].exists():
        folder = Path(tempfile.mkdtemp(prefix="caption-clips-"))
        audio = make_speech_audio(folder / "speech.wav", SCRIPT, lead=1.0, tail=1.5)
        _CLIPS["speech"] = make_test_clip(folder / "speech.mp4", seconds=9, size=(320, 240), audio_file=audio)
    return _CLIPS["speech"]


@pytest.fixture
def spoken(case, people):
    """A release of footage with speech, rendered: its captions are a machine's draft."""
    footage = make_video_footage(incident=case, uploaded_by=people.investigator, clip=speech_clip())
    return make_release_in_review(footage=footage, requested_by=people.investigator)


def _transcript(release) -> Transcript:
    release.refresh_from_db()
    transcript = captions.current_transcript(release)
    assert transcript is not None
    return transcript


def _samples(path, start: float, end: float) -> list[int]:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", str(start), "-t", str(end - start), "-i", str(path), "-map", "0:a:0",
         "-ac", "1", "-ar", "16000", "-f", "s16le", "pipe:1"], capture_output=True, check=True,
    ).stdout
    import array

    return list(array.array("h", raw))


def test_the_render_drafts_captions_from_the_speech_with_times(spoken):
    transcript = _transcript(spoken)

    assert transcript.status == TranscriptStatus.SPEECH and not transcript.reviewed
    assert transcript.words and transcript.cues
    assert all(0.8 <= start < end <= 8.0 for _, start, end in transcript.words)
    assert "transcription job" in spoken.redaction_log["captions"]["drafted_by"]


def test_a_word_selected_in_the_transcript_is_silent_in_the_render_and_its_caption_says_so(spoken, people):
    transcript = _transcript(spoken)
    k = len(transcript.words) // 2
    word, start, end = transcript.words[k]
    loud = _samples(Path(spoken.release_file.path), start, end)
    assert max(abs(s) for s in loud) > 1000, "the word is heard before it is hidden"

    change = captions.hide_words(transcript, k, k, kind=ChangeKind.MUTE, reason="spoken_personal_data", actor=people.officer)
    assert (change.start_seconds, change.end_seconds) == (round(start - captions.PAD_SECONDS, 3), round(end + captions.PAD_SECONDS, 3))
    apply_release_transition(spoken, "rerender", actor=people.officer)
    render_pending(spoken)

    assert max(abs(s) for s in _samples(Path(spoken.release_file.path), start + 0.03, end - 0.03)) < 50
    redrafted = _transcript(spoken)
    assert not any(start <= s < end for _, s, _ in redrafted.words)
    removed = [c for c in redrafted.cues if captions.REMOVED in c["text"]]
    assert removed and removed[0]["start"] <= start + 0.2


def test_a_release_with_unreviewed_captions_cannot_be_signed_off_on_the_page(client, spoken, people):
    sign_in_verified(client, people.second_officer)
    response = client.post(reverse("releases:transition", args=[spoken.pk]), {"action": "approve"})

    assert response.status_code == 409
    assert b"review them" in response.content
    assert Release.objects.get(pk=spoken.pk).signoffs.count() == 0


def test_a_release_with_unreviewed_captions_cannot_be_signed_off_through_the_api(api_client, spoken, people):
    response = api_client(people.second_officer).post(f"/api/releases/{spoken.pk}/transitions/", {"action": "approve"}, format="json")

    assert response.status_code == 409 and response.json()["code"] == "captions_unreviewed"


def test_the_admin_site_cannot_mark_captions_reviewed(client, spoken, people, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@city.invalid", "Root-pass-2026-long!")
    sign_in_verified(client, root)
    transcript = _transcript(spoken)

    client.post(f"/admin/releases/transcript/{transcript.pk}/change/", {"reviewed_by": root.pk, "stated_no_speech": "on"})
    client.post("/admin/releases/signoff/add/", {"release": spoken.pk, "signed_by": root.pk})

    transcript.refresh_from_db()
    assert transcript.reviewed_by is None and not transcript.stated_no_speech
    assert captions.approval_problem(Release.objects.get(pk=spoken.pk)).code == "captions_unreviewed"


def test_once_a_person_reviewed_the_captions_two_officers_may_sign_and_publish_with_their_hashes(spoken, people, client):
    transcript = _transcript(spoken)
    cues = transcript.cues + [{"start": 8.2, "end": 8.9, "text": "siren", "kind": "non_speech"}]
    captions.save_cues(transcript, cues, actor=people.officer)
    captions.mark_reviewed(transcript, actor=people.officer)
    spoken.refresh_from_db()

    apply_release_transition(spoken, "approve", actor=people.officer)
    apply_release_transition(spoken, "approve", actor=people.second_officer)
    apply_release_transition(spoken, "publish", actor=people.officer)

    spoken.refresh_from_db()
    published = captions.published_captions(spoken)
    assert spoken.state == ReleaseState.PUBLISHED
    assert spoken.manifest["captions"]["webvtt_sha256"] == published["vtt_sha256"]
    assert spoken.manifest["captions"]["transcript_sha256"] == published["text_sha256"]
    assert "reviewed" in spoken.manifest["captions"]["review"] and "rhea" not in str(spoken.manifest)
    assert "[siren]" in published["vtt"]
    assert_valid_webvtt(published["vtt"])

    # The public gets the same bytes: the track in the player, the text below it, the open data.
    import hashlib

    client.logout()
    vtt = client.get(f"/releases/{spoken.pk}/captions.vtt")
    assert vtt.status_code == 200 and vtt["Content-Type"].startswith("text/vtt")
    assert hashlib.sha256(vtt.content).hexdigest() == spoken.manifest["captions"]["webvtt_sha256"]
    assert_valid_webvtt(vtt.content.decode())
    page = client.get(f"/incidents/{spoken.incident.reference}/").content.decode()
    assert f'<track kind="captions" src="/releases/{spoken.pk}/captions.vtt" srclang="en"' in page and " default>" in page
    assert "[siren]" in page and published["cues"][0]["text"] in page
    assert "checked by a person" in page and "rhea" not in page
    record = client.get(f"/api/public/incidents/{spoken.incident.reference}/").json()
    file = next(f for f in record["files"] if f["id"] == spoken.pk)
    assert file["captions_sha256"] == published["vtt_sha256"] and "[siren]" in file["transcript"]


def test_a_release_without_captions_has_no_captions_file(client, spoken):
    assert client.get(f"/releases/{spoken.pk}/captions.vtt").status_code == 404


def test_a_reviewer_may_state_that_the_audio_has_no_speech(spoken, people, client):
    transcript = _transcript(spoken)

    captions.mark_reviewed(transcript, actor=people.officer, no_speech=True)

    sign_in_verified(client, people.auditor)
    page = client.get(reverse("releases:detail", args=[spoken.pk])).content.decode()
    assert "drafted by speech recognition (pocketsphinx, en)" in page and "stated to have no speech by rhea" in page

    spoken.refresh_from_db()
    assert captions.approval_problem(spoken) is None
    assert captions.published_captions(spoken) is None


def test_bad_cues_are_refused_with_a_clear_message(spoken, people):
    from releases.errors import ReleaseRefused

    transcript = _transcript(spoken)
    for bad in ("nope", [{"start": 2, "end": 1, "text": "x"}], [{"start": 0, "end": 1, "text": ""}],
                [{"start": 0, "end": 2, "text": "a"}, {"start": 1, "end": 3, "text": "b"}],
                [{"start": 0, "end": 1, "text": "a --> b"}], [{"start": "x", "end": 1, "text": "a"}]):
        with pytest.raises(ReleaseRefused):
            captions.save_cues(transcript, bad, actor=people.officer)


def test_a_silent_track_is_no_speech_and_needs_no_review(in_review):
    transcript = _transcript(in_review)  # the synthetic pattern's steady tone

    assert transcript.status == TranscriptStatus.NO_SPEECH
    assert captions.approval_problem(in_review) is None


def test_a_clip_without_audio_needs_no_transcript(case, people):
    folder = Path(tempfile.mkdtemp(prefix="caption-clips-"))
    footage = make_video_footage(incident=case, uploaded_by=people.investigator,
                                 clip=make_test_clip(folder / "mute.mp4", seconds=1, size=(320, 240), with_audio=False))

    release = make_release_in_review(footage=footage, requested_by=people.investigator)

    assert _transcript(release).status == TranscriptStatus.NO_AUDIO


def test_unreadable_audio_is_a_clear_state_and_the_render_finishes(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\x01\x02\x03" * 3000)

    draft = captions.transcribe_render(bad, has_audio=True, duration=3, hidden=[])

    assert draft["status"] == TranscriptStatus.UNREADABLE and "could not be decoded" in draft["problem"]


def test_suggestions_find_phone_numbers_dates_addresses_and_the_names_of_the_incidents_people(spoken):
    from incidents.models import Person

    Person.objects.create(incident=spoken.incident, name="Maria Lopez", role="witness")
    transcript = _transcript(spoken)
    transcript.words = [[w, i, i + 0.5] for i, w in enumerate(
        "call me at five five five one two one two i live at twelve oak street born march third my friend maria".split())]

    found = {(f["kind"], f["text"]) for f in captions.suggestions(transcript)}

    assert ("phone number", "five five five one two one two") in found
    assert ("street address", "twelve oak street") in found
    assert ("date", "born march third") in found
    assert ("name of a person in the incident", "maria") in found


def assert_valid_webvtt(text: str) -> None:
    """A strict reading of the WebVTT file format: the header, blank-line separated cues, each
    with an optional identifier, a timing line with start before end, cues in order, and text."""
    import re

    assert text.startswith("WEBVTT\n"), "header"
    timing = re.compile(r"^(\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3}) --> (\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3})$")
    blocks = [b for b in text.split("\n\n")[1:] if b.strip()]
    assert blocks, "no cues"
    last = -1.0
    for block in blocks:
        lines = block.strip("\n").split("\n")
        if "-->" not in lines[0]:
            lines = lines[1:]
        match = timing.match(lines[0])
        assert match, lines[0]
        h1, m1, s1, ms1, h2, m2, s2, ms2 = map(int, match.groups())
        start, end = h1 * 3600 + m1 * 60 + s1 + ms1 / 1000, h2 * 3600 + m2 * 60 + s2 + ms2 / 1000
        assert start < end and start >= last, block
        last = start
        assert lines[1:] and all(line.strip() and "-->" not in line for line in lines[1:]), block


def test_the_review_page_endpoints_edit_hide_and_review_and_refuse_bad_input_with_json(client, spoken, people):
    sign_in_verified(client, people.officer)
    base = f"/staff/releases/{spoken.pk}/captions/"
    data = client.get(base + "data.json").json()
    assert data["transcript"]["status"] == "speech" and not data["transcript"]["reviewed"]
    assert "captions" in data["approval_problem"]

    bad = client.post(base, {"cues": [{"start": 3, "end": 1, "text": "x"}]}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["errors"]["cues"]
    assert client.post(base, "not json", content_type="application/json").status_code == 400
    hidden = client.post(base + "hide/", {"first": 0, "last": 1, "kind": "bleep", "reason": "witness"}, content_type="application/json")
    assert hidden.status_code == 200, hidden.content
    assert spoken.changes.get().kind == ChangeKind.BLEEP
    assert client.post(base + "hide/", {"first": 0, "last": 0, "kind": "blur", "reason": "witness"},
                       content_type="application/json").status_code == 400
    edited = [dict(c, text=c["text"].upper()) for c in data["transcript"]["cues"]]
    assert client.post(base, {"cues": edited}, content_type="application/json").status_code == 200
    reviewed = client.post(base + "review/", {}, content_type="application/json").json()
    assert reviewed["transcript"]["reviewed_by"] == "rhea" and reviewed["transcript"]["cues"][0]["text"].isupper()


def test_only_release_officers_reach_the_captions(client, api_client, spoken, people):
    sign_in_verified(client, people.investigator)
    assert client.get(f"/staff/releases/{spoken.pk}/captions/data.json").status_code in (403, 404)
    assert api_client(people.investigator).get(f"/api/releases/{spoken.pk}/captions/").status_code in (403, 404)
    assert api_client(people.other_investigator).get(f"/api/releases/{spoken.pk}/captions/").status_code == 404


def test_the_api_reviews_captions_and_then_approval_goes_through(api_client, spoken, people):
    api = api_client(people.officer)
    url = f"/api/releases/{spoken.pk}/captions/"
    got = api.get(url).json()
    assert got["status"] == "speech" and got["words"]
    assert api.put(url, {"cues": [{"start": 1, "end": 3, "text": "the officer walked to the car", "kind": "speech"}]},
                   format="json").status_code == 200
    assert api.post(url + "review/", {}, format="json").json()["reviewed_by"] == "rhea"

    approved = api_client(people.second_officer).post(f"/api/releases/{spoken.pk}/transitions/", {"action": "approve"}, format="json")

    assert approved.status_code == 200, approved.content


def test_audio_the_decoder_cannot_read_leaves_a_finished_render_whose_captions_a_person_must_settle(case, people, monkeypatch):
    import media.transcribe as engine
    from releases.models import RenderJob, RenderState

    monkeypatch.setattr(engine, "FFMPEG", "false")  # the audio decoder exits with an error, as on a corrupt track
    footage = make_video_footage(incident=case, uploaded_by=people.investigator, clip=speech_clip())
    release = make_release_in_review(footage=footage, requested_by=people.investigator)

    assert RenderJob.objects.get(release=release).state == RenderState.DONE
    transcript = _transcript(release)
    assert transcript.status == TranscriptStatus.UNREADABLE and "could not be decoded" in transcript.problem
    assert "could not be transcribed" in captions.approval_problem(release).message
    captions.mark_reviewed(transcript, actor=people.officer, no_speech=True)
    release.refresh_from_db()
    assert captions.approval_problem(release) is None
