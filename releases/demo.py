"""Demo releases for `make run`, all through the real workflow: footage of the first published
demo cases redacted, reviewed and signed off by one officer (`release`), signed off by a second
(`release2`), which approves it, and published; and the next case's footage redacted and left in
review, so a newcomer can try the review page, the two-person rule and the overdue lists (its
incident is months old, past its deadline). A third officer (`release3`) lets a release be carried
through even when `release` made a "do not redact" decision and `release2` confirmed it.
The first case's footage has speech (a few seconds committed under demo_assets/, made once with
espeak-ng, so `make run` needs no speech synthesiser): its captions are drafted by the render and
reviewed by `release` before the sign-offs. A second clip of the last published case is published
and then withdrawn by the supervisor, as after a court's seal. Idempotent: a case whose footage already has a release is driven on from where it stands."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User

from incidents.models import Incident
from portal.accounts import create_user_with_role
from portal.demo import demo_password
from portal.roles import Role

from . import review
from .models import Release, ReleaseState, RenderJob, RenderState, WithholdGround
from .rendering import run_render_job
from .signoff import signing_status
from .signing import SigningKeyError, generate_key_file, private_key_from_setting
from .workflow import apply_release_transition, request_release

DEMO_CASES = 2  # published
IN_REVIEW_CASES = 1  # the next ones, left in review
WITHDRAWN_CASES = 1  # a second clip of the last published case, published and then withdrawn
SECOND_OFFICER = "release2"
# Beyond the demo's one account per role: enough release officers that one who neither made nor
# confirmed a decision is always there to give the independent sign-off.
MORE_OFFICERS = {SECOND_OFFICER: ("Rafael", "Okafor"), "release3": ("Rosa", "Delgado")}


def more_release_officers() -> list[User]:
    users = []
    for username, (first, last) in MORE_OFFICERS.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            user = create_user_with_role(
                username=username, role=Role.RELEASE_OFFICER, password=demo_password()[0],
                email=f"{username}@city.invalid", first_name=first, last_name=last, check_password_strength=False,
            )
        users.append(user)
    return users


def _demo_footage(incident: Incident, supervisor: User):
    from footage.models import FootageItem

    item = FootageItem.objects.filter(incident=incident, media_type="video").order_by("pk").first()
    # No footage demo ran for this case: bring a short synthetic clip in through the real ingest.
    return item if item is not None else _passers_by_clip(incident, supervisor, "demo-bodycam.mp4")


def _passers_by_clip(incident: Incident, supervisor: User, filename: str):
    """A short body-worn clip of passers-by, ingested into `incident` as `filename`."""
    from footage.ingest import ingest_file
    from media import make_test_clip, passers_by

    with tempfile.TemporaryDirectory() as tmp:
        clip = make_test_clip(Path(tmp) / filename, 3, (640, 360), people=passers_by((640, 360)))
        return ingest_file(clip, incident=incident, uploaded_by=supervisor, kind="body_worn", original_filename=filename)


# Published, then withdrawn as a court's seal would have it: the public page says it was released
# and when it was withdrawn, and the public check of its fingerprint says the same.
WITHDRAWN_FILENAME = "demo-bodycam-sealed.mp4"


def _sealed_footage(incident: Incident, supervisor: User):
    from footage.models import FootageItem

    item = FootageItem.objects.filter(incident=incident, original_filename=WITHDRAWN_FILENAME).order_by("pk").first()
    return item if item is not None else _passers_by_clip(incident, supervisor, WITHDRAWN_FILENAME)


DEMO_SPEECH = Path(__file__).resolve().parent / "demo_assets" / "demo-speech.ogg"
SPEECH_FILENAME = "demo-bodycam-speech.mp4"


def _speech_footage(incident: Incident, supervisor: User):
    """Footage with speech and passers-by, so the demo has captions and hidden faces to show."""
    from footage.ingest import ingest_file
    from media import make_test_clip, passers_by
    from footage.models import FootageItem

    item = FootageItem.objects.filter(incident=incident, original_filename=SPEECH_FILENAME).order_by("pk").first()
    if item is not None:
        return item
    with tempfile.TemporaryDirectory() as tmp:
        clip = make_test_clip(Path(tmp) / SPEECH_FILENAME, 10, (640, 360), audio_file=DEMO_SPEECH,
                              people=passers_by((640, 360)))
        return ingest_file(clip, incident=incident, uploaded_by=supervisor, kind="body_worn", original_filename=SPEECH_FILENAME)


def _review_captions(release: Release, officer: User) -> None:
    from .captions import approval_problem, current_transcript, mark_reviewed

    transcript = current_transcript(release)
    if transcript is not None and approval_problem(release) is not None:
        mark_reviewed(transcript, actor=officer, no_speech=not transcript.cues)


def _rendered(release: Release, timeout: float = 180) -> Release:
    """Render and draft the captions here; if a running worker took a job first, wait for it."""
    from .models import TranscriptionJob
    from .transcription import run_transcription_job

    deadline = time.monotonic() + timeout
    while True:
        for job in RenderJob.objects.filter(release=release, state=RenderState.QUEUED):
            run_render_job(job.pk)
        for job in TranscriptionJob.objects.filter(release=release, state=RenderState.QUEUED):
            run_transcription_job(job.pk)
        release.refresh_from_db()
        active = [RenderState.QUEUED, RenderState.RUNNING]
        if not TranscriptionJob.objects.filter(release=release, state__in=active).exists():
            if release.state not in (ReleaseState.REQUESTED, ReleaseState.REDACTING):
                return release
            if not RenderJob.objects.filter(release=release, state__in=active).exists():
                return release  # the render failed; leave it for a person to see
        if time.monotonic() > deadline:
            return release
        time.sleep(1)


def _ensure_demo_signing_key(stdout) -> None:
    """A demo machine has no city key yet: make one where the setting points, so demo releases
    can be signed. A configured key (a file that exists, or raw base64) is never replaced."""
    try:
        private_key_from_setting(settings.RELEASE_SIGNING_KEY)
    except SigningKeyError:
        path = Path(settings.RELEASE_SIGNING_KEY)
        if path.exists():
            raise  # a broken key file is for a person to look at, not to overwrite
        path.parent.mkdir(parents=True, exist_ok=True)
        generate_key_file(path)
        if stdout is not None:
            stdout.write(f"Releases: created a demo signing key at {path}.")


def load(users, stdout=None) -> None:
    _ensure_demo_signing_key(stdout)
    supervisor, officer = users[Role.SUPERVISOR], users[Role.RELEASE_OFFICER]
    approver = more_release_officers()[0]
    published = in_review = 0
    incidents = Incident.objects.filter(published_at__isnull=False, police_report_number__startswith="DEMO-").order_by("pk")
    for n, incident in enumerate(incidents[:DEMO_CASES + IN_REVIEW_CASES]):
        item = _speech_footage(incident, supervisor) if n == 0 else _demo_footage(incident, supervisor)
        if not item.sha256:
            continue
        release = Release.objects.filter(footage=item).order_by("-pk").first()
        if release is None:
            release = request_release(item, actor=supervisor, reason="Demo: public interest in the incident.")
        if release.state in (ReleaseState.REQUESTED, ReleaseState.REDACTING):
            release = _rendered(release)
        if n >= DEMO_CASES:
            in_review += release.state == ReleaseState.IN_REVIEW
            continue
        published += _published(release, officer, approver).state == ReleaseState.PUBLISHED
    withdrawn = 0
    if len(incidents) >= DEMO_CASES:
        item = _sealed_footage(incidents[DEMO_CASES - 1], supervisor)
        release = Release.objects.filter(footage=item).order_by("-pk").first()
        if release is None and item.sha256:
            release = request_release(item, actor=supervisor, reason="Demo: public interest in the incident.")
        if release is not None:
            if release.state in (ReleaseState.REQUESTED, ReleaseState.REDACTING):
                release = _rendered(release)
            if _published(release, officer, approver).state == ReleaseState.PUBLISHED:
                apply_release_transition(release, "withdraw", actor=supervisor, ground=WithholdGround.COURT_ORDER,
                                         reason="Demo: sealed by a court order after it was published.")
                release.refresh_from_db()
            withdrawn += release.state == ReleaseState.WITHHELD and release.published_at is not None
    if stdout is not None:
        stdout.write(
            f"Releases: {published} demo release(s) published, {in_review} waiting for review, {withdrawn} withdrawn"
            f" after publication; release officers {', '.join(['release', *MORE_OFFICERS])}."
        )


def _published(release: Release, officer: User, approver: User) -> Release:
    """`release` taken from review through both sign-offs to publication, from wherever it stands."""
    if release.state == ReleaseState.IN_REVIEW:
        for i, finding in enumerate(release.check_findings):
            if not finding.get("cleared_by_id"):
                review.clear_finding(release, i, "Demo: a face on a poster, not a person.", actor=officer)
        _review_captions(release, officer)
        for signer, note in ((officer, "Demo: reviewed frame by frame."), (approver, "Demo: checked frame by frame.")):
            if signing_status(release, signer).may_sign:  # a rerun after an interruption signs only once
                apply_release_transition(release, "approve", actor=signer, reason=note)
    if release.state == ReleaseState.APPROVED:
        apply_release_transition(release, "publish", actor=approver)
    release.refresh_from_db()
    return release
