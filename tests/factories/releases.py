"""Releases for tests, made through the real services: footage ingested with `ingest_file`, a
release asked for with `request_release`, rendered by the real render job and driven through
`apply_release_transition`."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib.auth.models import User

from footage.ingest import ingest_file
from footage.jobs import run_job
from media import make_test_clip
from footage.models import ProcessingJob
from releases import review
from releases.models import Release, RenderJob, RenderState, TranscriptionJob
from releases.rendering import run_render_job
from releases.transcription import run_transcription_job
from releases.workflow import apply_release_transition, request_release

_CLIPS: dict[tuple, Path] = {}
FACE_PHOTO = "faces/obama.jpg"  # in the shared test media


def ensure_signing_key() -> Path:
    """The test run's own release signing key, made by whichever test needs it first."""
    from django.conf import settings

    from releases.signing import generate_key_file

    path = Path(settings.RELEASE_SIGNING_KEY)
    if not path.exists():
        try:
            generate_key_file(path)
        except FileExistsError:  # another worker made it first
            pass
    return path


def test_clip(seconds: float = 1, size: tuple[int, int] = (320, 240)) -> Path:
    """A synthetic clip, made once per session and per shape."""
    key = (seconds, size)
    if key not in _CLIPS or not _CLIPS[key].exists():
        folder = Path(tempfile.mkdtemp(prefix="release-clips-"))
        _CLIPS[key] = make_test_clip(folder / f"clip-{seconds}s-{size[0]}x{size[1]}.mp4", seconds, size)
    return _CLIPS[key]


def face_clip(seconds: float = 1, *, fallback: bool = False) -> Path:
    """A clip of a real face photo (shared test media) held still, with a tone: the pipeline finds
    one face track in it. Without the shared media, the test is skipped, as the redaction tests
    are; with `fallback`, the synthetic pattern (no face) is used instead, for tests that need
    footage but no face."""
    import subprocess

    from tests.shared_media import MEDIA, shared_media

    if fallback and not (MEDIA / FACE_PHOTO).exists():
        return test_clip(seconds)
    photo = shared_media(FACE_PHOTO) / FACE_PHOTO
    key = ("face", seconds)
    if key not in _CLIPS or not _CLIPS[key].exists():
        out = Path(tempfile.mkdtemp(prefix="release-clips-")) / "face.mp4"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-loop", "1", "-framerate", "25", "-i", str(photo),
             "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
             "-t", str(seconds), "-vf", "scale=320:240,format=yuv420p", "-c:v", "libx264", "-preset", "ultrafast",
             "-c:a", "aac", "-shortest", str(out)],
            check=True,
        )
        _CLIPS[key] = out
    return _CLIPS[key]


def make_video_footage(*, incident, uploaded_by: User, seconds: float = 1, size=(320, 240), clip: Path | None = None,
                       process: bool = False):
    item = ingest_file(
        clip or test_clip(seconds, size), incident=incident, uploaded_by=uploaded_by, kind="body_worn",
        original_filename="bodycam.mp4",
    )
    if process:  # the proxy and poster, as the footage worker would make them
        for job in ProcessingJob.objects.filter(footage=item):
            run_job(job.pk)
        item.refresh_from_db()
    return item


def render_pending(release: Release) -> Release:
    """Run the queued render of `release` here, then the transcription it queued, as the workers
    would."""
    for job in RenderJob.objects.filter(release=release, state=RenderState.QUEUED):
        run_render_job(job.pk)
    return transcribe_pending(release)


def transcribe_pending(release: Release) -> Release:
    """Run the queued transcription jobs of `release` here, as the worker would."""
    for job in TranscriptionJob.objects.filter(release=release, state=RenderState.QUEUED):
        run_transcription_job(job.pk)
    release.refresh_from_db()
    return release


def make_release_in_review(*, footage, requested_by: User, mode: str = "blur") -> Release:
    release = request_release(footage, actor=requested_by, mode=mode)
    return render_pending(release)


def clear_all_findings(release: Release, *, officer: User) -> Release:
    for i, finding in enumerate(release.check_findings):
        if not finding.get("cleared_by_id"):
            review.clear_finding(release, i, "A face on a poster, not a person.", actor=officer)
    release.refresh_from_db()
    return release


def approve_and_publish(release: Release, *, approver: User, second: User | None = None, publisher: User | None = None) -> Release:
    """Two sign-offs (`approver`'s, then `second`'s or else any other officer the rule lets sign),
    then publication."""
    from releases.signoff import signing_status

    apply_release_transition(release, "approve", actor=approver, reason="Checked frame by frame.")
    if second is None:
        eligible = signing_status(release, None).eligible
        second = eligible[0] if eligible else _another_release_officer()
    apply_release_transition(release, "approve", actor=second, reason="Checked again.")
    apply_release_transition(release, "publish", actor=publisher or approver)
    release.refresh_from_db()
    return release


def _another_release_officer() -> User:
    from portal.accounts import create_user_with_role
    from portal.roles import Role

    n = User.objects.filter(username__startswith="signer-").count() + 1
    return create_user_with_role(
        username=f"signer-{n}", role=Role.RELEASE_OFFICER, password="Signer-pass-2026-long!", email=f"signer-{n}@city.invalid",
        first_name="Second", last_name="Signer", check_password_strength=False,
    )
