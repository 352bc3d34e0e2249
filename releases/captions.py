"""Captions of a release copy: the machine draft made by the transcription job
(`releases.transcription`), a person's edits and review, kept across renders where the audio did
not change, words hidden from the transcript, and the WebVTT and text the public gets.

Each change is one audited function that checks the actor and the release (in review, visible)
under a row lock, like `releases.review`. Hiding words is a mute or bleep range through
`review.add_change`, the one writer of redaction changes; it takes effect at the next render,
whose draft shows the range as REMOVED.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils import timezone

from portal.audit import record_event

from . import review
from .errors import ReleaseError, ReleaseRefused
from .models import ChangeKind, RedactionReason, Release, RenderState, Transcript, TranscriptionJob, TranscriptStatus

REMOVED = "[personal information removed]"
# Around selected words, so the first and last phonemes go too (the recogniser's times are 10 ms
# frames, but word edges blur).
PAD_SECONDS = 0.15
MAX_CUE_SECONDS = 6.0
MAX_CUE_CHARS = 84  # two lines of 42, the usual broadcast limit
PAUSE_SECONDS = 0.8
MAX_CUES = 5000
MAX_CUE_TEXT = 300
KINDS = ("speech", "non_speech")
HIDE_REASONS = [
    RedactionReason.SPOKEN_PERSONAL_DATA, RedactionReason.MINOR, RedactionReason.VICTIM, RedactionReason.WITNESS,
    RedactionReason.ADDRESS, RedactionReason.OTHER,
]


# ---- the draft ---------------------------------------------------------------------------------


def engine_model():
    from media.transcribe import model_from_folder

    if settings.TRANSCRIPTION_MODEL_DIR:
        return model_from_folder(settings.TRANSCRIPTION_MODEL_DIR, language=settings.TRANSCRIPTION_LANGUAGE)
    return None  # the packaged model


def transcribe_render(path, *, has_audio: bool, duration: float, hidden: list[tuple[float, float]], progress=None) -> dict[str, Any]:
    """The draft of a rendered copy, as Transcript fields. Corrupt audio is a state, not a failure
    of the job: the reviewer sees it and must state whether anything is said. A tool that failed
    or ran out of time raises (ProcessingError), so the job tries again."""
    from media import MediaError, ProcessingError
    from media.transcribe import transcribe_media

    try:
        result = transcribe_media(path, has_audio=has_audio, model=engine_model(), silenced=hidden, duration=duration,
                                  progress=progress)
    except ProcessingError:
        raise
    except MediaError as exc:
        return {"status": TranscriptStatus.UNREADABLE, "problem": exc.message[:2000], "words": [], "cues": [], "engine": {}}
    words = [[w.text, w.start, w.end] for w in result.words]
    return {
        "status": result.status, "problem": "", "words": words, "engine": result.engine,
        "cues": draft_cues(words, hidden) if result.status == TranscriptStatus.SPEECH else [],
        "language": (result.engine or {}).get("language") or settings.TRANSCRIPTION_LANGUAGE,
    }


def draft_cues(words: list[list], hidden: list[tuple[float, float]]) -> list[dict]:
    """Words grouped into cues of at most two lines and a few seconds, broken at pauses; each
    hidden range is its own REMOVED token, so the caption says that something was removed."""
    tokens = [(float(s), float(e), str(t)) for t, s, e in words] + [(float(a), float(b), REMOVED) for a, b in hidden]
    tokens.sort()
    cues: list[dict] = []
    current: list[tuple[float, float, str]] = []

    def flush():
        if current:
            cues.append({"start": round(current[0][0], 2), "end": round(current[-1][1], 2),
                         "text": " ".join(t for _, _, t in current), "kind": "speech"})
            current.clear()

    for start, end, text in tokens:
        if current and (
            start - current[-1][1] > PAUSE_SECONDS
            or end - current[0][0] > MAX_CUE_SECONDS
            or len(" ".join(t for _, _, t in current)) + 1 + len(text) > MAX_CUE_CHARS
        ):
            flush()
        current.append((start, end, text))
    flush()
    for before, after in zip(cues, cues[1:]):
        after["start"] = max(after["start"], before["end"])
    return cues


def record_transcript(release: Release, job: TranscriptionJob, draft: dict[str, Any]) -> Transcript:
    """The render's one transcript (made once: a job run twice finds it), called in the
    transaction that finishes the transcription job. Where a person made the earlier render's
    captions, their cues are kept wherever the audio did not change."""
    fields = {k: draft[k] for k in ("status", "problem", "words", "cues", "engine")}
    fields["language"] = draft.get("language") or settings.TRANSCRIPTION_LANGUAGE
    previous = _person_made_predecessor(release, job.rendered_at)
    if previous is not None and fields["status"] == TranscriptStatus.SPEECH:
        before = TranscriptionJob.objects.filter(release=release, rendered_at=previous.rendered_at).first()
        if before is not None:
            changed = changed_ranges(before.hidden, job.hidden)
            fields["cues"], fields["carried_cues"] = carry_over(previous.cues, fields["words"], job.hidden, changed)
            fields["carried_from"] = previous
    transcript, _ = Transcript.objects.get_or_create(
        release=release, rendered_at=job.rendered_at,
        defaults={"render_job_id": job.render_job_id, "release_sha256": job.release_sha256, **fields},
    )
    return transcript


def _person_made_predecessor(release: Release, rendered_at) -> Transcript | None:
    """The latest earlier render's transcript, if its cues are a person's (edited, reviewed, or
    themselves kept from a person's)."""
    previous = Transcript.objects.filter(release=release, rendered_at__lt=rendered_at).order_by("-rendered_at").first()
    if previous is None or not previous.cues:
        return None
    if previous.edited_at or previous.reviewed_at or previous.carried_cues:
        return previous
    return None


def changed_ranges(before: list, after: list) -> list[tuple[float, float]]:
    """Where the audio of two renders differs: ranges hidden in one render and not the other."""
    from media.transcribe import merge_ranges

    a, b = merge_ranges(before or []), merge_ranges(after or [])
    points = sorted({p for r in a + b for p in r})

    def inside(ranges, t):
        return any(s <= t < e for s, e in ranges)

    out: list[tuple[float, float]] = []
    for lo, hi in zip(points, points[1:]):
        mid = (lo + hi) / 2
        if inside(a, mid) != inside(b, mid):
            if out and out[-1][1] >= lo:
                out[-1] = (out[-1][0], hi)
            else:
                out.append((lo, hi))
    return out


def carry_over(previous_cues: list[dict], words: list[list], hidden: list, changed: list) -> tuple[list[dict], int]:
    """A person's cues kept where the audio is unchanged; between them, the new draft (its words,
    and REMOVED for hidden ranges). A cue touching a changed range is redrafted, so a newly muted
    range reads [personal information removed]. Returns the cues and how many were kept."""
    def touches(cue, ranges):
        return any(a < cue["end"] and b > cue["start"] for a, b in ranges)

    kept = [dict(c) for c in previous_cues if not touches(c, changed)]
    # The gaps between kept cues, each filled from the draft on its own and kept inside it.
    edges = [0.0] + [t for c in kept for t in (c["start"], c["end"])] + [float("inf")]
    fresh: list[dict] = []
    for lo, hi in zip(edges[::2], edges[1::2]):
        def within(start, end):
            return lo <= (start + end) / 2 < hi

        gap_words = [w for w in words if within(float(w[1]), float(w[2]))]
        gap_hidden = [(max(float(a), lo), min(float(b), hi)) for a, b in hidden if float(a) < hi and float(b) > lo]
        for cue in draft_cues(gap_words, [r for r in gap_hidden if r[1] > r[0]]):
            cue["start"], cue["end"] = max(cue["start"], lo), min(cue["end"], hi)
            if cue["end"] > cue["start"]:
                fresh.append(cue)
    return sorted(kept + fresh, key=lambda c: (c["start"], c["end"])), len(kept)


def current_transcript(release: Release) -> Transcript | None:
    if not release.rendered_at:
        return None
    return Transcript.objects.filter(release=release, rendered_at=release.rendered_at).select_related("reviewed_by").first()


def approval_problem(release: Release) -> ReleaseError | None:
    """Why the current render cannot be signed off for its captions, or None. A copy with speech
    (or whose audio could not be read) needs a person to review the captions or state there is no
    speech; a copy without audio, or where nothing was heard, needs nothing."""
    return approval_problems([release])[release.pk]


def approval_problems(releases: list[Release]) -> dict[int, ReleaseError | None]:
    """`approval_problem` of each of `releases`, by pk: two queries at most, however many."""
    rendered = {r.pk: r for r in releases if r.rendered_at}
    transcripts: dict[int, Transcript] = {}
    if rendered:
        # Without the words and cues, which can be long and are not needed here.
        for t in Transcript.objects.filter(release__in=list(rendered)).only("release_id", "rendered_at", "status", "reviewed_by_id"):
            if t.rendered_at == rendered[t.release_id].rendered_at:
                transcripts[t.release_id] = t
    drafting = {pk: r for pk, r in rendered.items() if pk not in transcripts and "captions" in (r.redaction_log or {})}
    jobs: dict[int, TranscriptionJob] = {}
    if drafting:
        for job in TranscriptionJob.objects.filter(release__in=list(drafting)).only("release_id", "rendered_at", "state", "progress"):
            if job.rendered_at == drafting[job.release_id].rendered_at:
                jobs[job.release_id] = job
    return {r.pk: _approval_problem(r, transcripts.get(r.pk), jobs.get(r.pk)) for r in releases}


def _approval_problem(release: Release, transcript: Transcript | None, job: TranscriptionJob | None) -> ReleaseError | None:
    if transcript is None:
        if "captions" not in (release.redaction_log or {}):
            return None  # rendered before the render job drafted captions
        if job is not None and job.state in (RenderState.QUEUED, RenderState.RUNNING):
            return ReleaseRefused(f"The captions of this render are being drafted ({job.percent}% done).",
                                  code="captions_missing")
        return ReleaseRefused("The captions of this render have not been drafted yet.", code="captions_missing")
    if transcript.status in (TranscriptStatus.NO_AUDIO, TranscriptStatus.NO_SPEECH) or transcript.reviewed:
        return None
    if transcript.status == TranscriptStatus.UNREADABLE:
        return ReleaseRefused(
            "The audio could not be transcribed: a release officer must listen and state whether anything is said.",
            code="captions_unreviewed",
        )
    return ReleaseRefused(
        "The captions were drafted by a machine: a release officer must review them (or state that the audio has "
        "no speech) before anyone signs off.",
        code="captions_unreviewed",
    )


# ---- a person's changes --------------------------------------------------------------------------


def _lock_transcript(transcript: Transcript, actor: User) -> Transcript:
    locked_release = review._lock_for_review(transcript.release, actor)
    locked = Transcript.objects.select_for_update().get(pk=transcript.pk)
    if locked.rendered_at != locked_release.rendered_at:
        raise ReleaseRefused("These captions belong to an earlier render; open the current one.", code="stale_transcript")
    return locked


def clean_cues(data: Any, duration: float | None) -> list[dict]:
    if not isinstance(data, list):
        raise ReleaseRefused("Send the captions as a list of cues.", code="invalid", field="cues")
    if len(data) > MAX_CUES:
        raise ReleaseRefused(f"At most {MAX_CUES} cues.", code="invalid", field="cues")
    cues = []
    for i, raw in enumerate(data):
        if not isinstance(raw, dict):
            raise ReleaseRefused(f"Cue {i + 1} is not a cue.", code="invalid", field="cues")
        start = review._number(raw.get("start"), "cues", minimum=0, maximum=duration or None)
        end = review._number(raw.get("end"), "cues", minimum=0, maximum=duration or None)
        text = re.sub(r"\s+", " ", str(raw.get("text") or "")).strip()
        kind = raw.get("kind") or "speech"
        if end <= start:
            raise ReleaseRefused(f"Cue {i + 1} must end after it starts.", code="invalid", field="cues")
        if not text or len(text) > MAX_CUE_TEXT or "-->" in text:
            raise ReleaseRefused(f"Cue {i + 1} needs text of at most {MAX_CUE_TEXT} characters.", code="invalid", field="cues")
        if kind not in KINDS:
            raise ReleaseRefused(f"Cue {i + 1} is speech or non-speech.", code="invalid", field="cues")
        if kind == "non_speech" and not (text.startswith("[") and text.endswith("]")):
            text = f"[{text.strip('[]')}]"  # the convention viewers know: [siren]
        cues.append({"start": round(start, 3), "end": round(end, 3), "text": text, "kind": kind})
    cues.sort(key=lambda c: (c["start"], c["end"]))
    for before, after in zip(cues, cues[1:]):
        if after["start"] < before["end"] - 0.001:
            raise ReleaseRefused("Two cues overlap; retime one of them.", code="invalid", field="cues")
    return cues


@review._audited("release.captions_edit")
def save_cues(transcript: Transcript, cues: Any, *, actor: User, request: HttpRequest | None = None) -> Transcript:
    """The reviewer's captions replace the draft's (split, merged, retimed, corrected, non-speech
    cues added). An edit after review needs a review again."""
    locked = _lock_transcript(transcript, actor)
    locked.cues = clean_cues(cues, review.source_geometry(locked.release)["duration"])
    locked.edited_by, locked.edited_at = actor, timezone.now()
    locked.reviewed_by, locked.reviewed_at, locked.stated_no_speech = None, None, False
    locked.save(update_fields=["cues", "edited_by", "edited_at", "reviewed_by", "reviewed_at", "stated_no_speech"])
    record_event(actor=actor, action="release.captions_edit", target=locked.release, request=request,
                 detail={"transcript": locked.pk, "cues": len(locked.cues)})
    transcript.refresh_from_db()  # the caller's object too
    return locked


@review._audited("release.captions_review")
def mark_reviewed(transcript: Transcript, *, actor: User, no_speech: bool = False, request: HttpRequest | None = None) -> Transcript:
    """A person checked the captions against the audio (or states there is no speech in it)."""
    locked = _lock_transcript(transcript, actor)
    if locked.reviewed:
        raise ReleaseRefused("These captions are already reviewed.", code="wrong_state")
    if not no_speech and not locked.cues:
        raise ReleaseRefused("There are no captions to review: add them, or state that the audio has no speech.",
                             code="invalid", field="cues")
    locked.reviewed_by, locked.reviewed_at, locked.stated_no_speech = actor, timezone.now(), bool(no_speech)
    if no_speech:
        locked.cues = []
    locked.save(update_fields=["reviewed_by", "reviewed_at", "stated_no_speech", "cues"])
    record_event(actor=actor, action="release.captions_review", target=locked.release, request=request,
                 detail={"transcript": locked.pk, "no_speech": bool(no_speech), "cues": len(locked.cues)})
    transcript.refresh_from_db()  # the caller's object too
    return locked


def hide_words(transcript: Transcript, first: Any, last: Any, *, kind: str, reason: str, note: str = "", actor: User,
               request: HttpRequest | None = None):
    """Words `first`..`last` (indexes into the draft's words) muted or bleeped in the next render:
    a redaction change from their times, padded, through the one writer of changes."""
    words = transcript.words or []
    if not words:
        raise ReleaseRefused("This transcript has no words to select.", code="invalid", field="words")
    i = review._number(first, "first", integer=True, minimum=0, maximum=len(words) - 1)
    j = review._number(last, "last", integer=True, minimum=0, maximum=len(words) - 1)
    if j < i:
        i, j = j, i
    if kind not in (ChangeKind.MUTE, ChangeKind.BLEEP):
        raise ReleaseRefused("Choose mute or bleep.", code="invalid", field="kind")
    if reason not in HIDE_REASONS:
        raise ReleaseRefused("Choose a reason from the list.", code="invalid", field="reason")
    duration = review.source_geometry(transcript.release)["duration"] or float(words[-1][2]) + PAD_SECONDS
    start = max(0.0, float(words[i][1]) - PAD_SECONDS)
    end = min(float(duration), float(words[j][2]) + PAD_SECONDS)
    said = " ".join(w[0] for w in words[i:j + 1])
    return review.add_change(
        transcript.release,
        {"kind": kind, "reason": reason, "start_seconds": start, "end_seconds": end,
         "note": (note or f"transcript words {i + 1}-{j + 1} ({len(said.split())} words)")[:500]},
        actor=actor, request=request,
    )


# ---- suggestions (staff side only) ---------------------------------------------------------------

NUMBERS = {
    "zero", "oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty", "forty",
    "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "thousand", "first", "second", "third",
}
MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"}
STREETS = {"street", "avenue", "road", "boulevard", "lane", "drive", "court", "place", "way", "terrace", "parkway"}


def _is_number(word: str) -> bool:
    return word in NUMBERS or word.isdigit() or word.endswith("th") and word[:-2] in NUMBERS | {"four", "six", "seven", "nine"}


def suggestions(transcript: Transcript) -> list[dict]:
    """Word ranges that may be spoken personal data: phone-like runs of numbers, dates (of birth),
    street addresses, and the names of the incident's people. Staff side only: the names never
    reach a public page."""
    words = [str(w[0]).lower() for w in transcript.words or []]
    found: list[dict] = []

    def add(i, j, kind):
        found.append({"first": i, "last": j, "kind": kind, "text": " ".join(words[i:j + 1])})

    i = 0
    while i < len(words):
        if _is_number(words[i]):
            j = i
            while j + 1 < len(words) and _is_number(words[j + 1]):
                j += 1
            if j + 1 < len(words) and words[j + 1] in STREETS:
                add(i, j + 1, "street address")
            elif j + 2 < len(words) and words[j + 2] in STREETS:
                add(i, j + 2, "street address")
            elif j - i + 1 >= 4:
                add(i, j, "phone number")
            i = j + 1
            continue
        if words[i] in MONTHS and i + 1 < len(words) and _is_number(words[i + 1]):
            j = i + 1
            while j + 1 < len(words) and _is_number(words[j + 1]):
                j += 1
            born = next((k for k in (i - 1, i - 2) if k >= 0 and words[k] == "born"), i)
            add(born, j, "date")
            i = j + 1
            continue
        i += 1
    names = _people_names(transcript.release)
    for k, word in enumerate(words):
        if word in names:
            add(k, k, "name of a person in the incident")
    return sorted(found, key=lambda f: f["first"])


def _people_names(release: Release) -> set[str]:
    from incidents.models import Person

    names: set[str] = set()
    for name in Person.objects.filter(incident_id=release.incident_id).values_list("name", flat=True):
        names.update(part for part in re.findall(r"[a-z']+", (name or "").lower()) if len(part) > 1)
    return names


# ---- what the public gets ------------------------------------------------------------------------


def _timestamp(seconds: float) -> str:
    ms = int(round(seconds * 1000))
    h, rest = divmod(ms, 3600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def webvtt(cues: list[dict]) -> str:
    lines = ["WEBVTT", ""]
    for n, cue in enumerate(cues, 1):
        lines += [str(n), f"{_timestamp(cue['start'])} --> {_timestamp(cue['end'])}", cue["text"], ""]
    return "\n".join(lines)


def transcript_text(cues: list[dict]) -> str:
    return "\n".join(f"[{_timestamp(c['start'])[:8]}] {c['text']}" for c in cues) + ("\n" if cues else "")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def published_captions(release: Release) -> dict | None:
    """The reviewed captions of the release's current render, as the public gets them, or None
    where there is nothing to caption (no audio, no speech)."""
    transcript = current_transcript(release)
    if transcript is None or not transcript.reviewed or not transcript.cues:
        return None
    vtt, text = webvtt(transcript.cues), transcript_text(transcript.cues)
    return {"language": transcript.language, "vtt": vtt, "text": text, "vtt_sha256": sha256_text(vtt),
            "text_sha256": sha256_text(text), "cues": transcript.cues}


def manifest_entry(release: Release) -> dict | None:
    """The captions' part of the signed manifest: their hashes, and that a person reviewed them."""
    published = published_captions(release)
    if published is None:
        return None
    return {
        "language": published["language"],
        "webvtt_sha256": published["vtt_sha256"],
        "transcript_sha256": published["text_sha256"],
        "review": "drafted by speech recognition, reviewed and corrected by a person",
    }
