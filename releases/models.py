"""Releases of footage to the public: the release row, the reviewer's changes and render jobs.

Nothing here changes state: `releases.workflow.apply_release_transition` is the one writer of
`Release.state`, and `releases.review` / `releases.rendering` write changes and jobs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from portal.job_claims import JobRow, JobState


class ReleaseState(models.TextChoices):
    REQUESTED = "requested", "Requested"
    REDACTING = "redacting", "Redacting"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"
    WITHHELD = "withheld", "Withheld"


class RedactionMode(models.TextChoices):
    # Both are irreversible at the strength the pipeline uses (blur sigma >= a sixth of the face);
    # a light blur or a mosaic is deliberately not offered.
    BLUR = "blur", "Heavy blur"
    FILL = "fill", "Solid fill"


class WithholdGround(models.TextChoices):
    ONGOING_INVESTIGATION = "ongoing_investigation", "Ongoing investigation"
    MINOR_PRIVACY = "minor_privacy", "Privacy of a minor"
    VICTIM_PRIVACY = "victim_privacy", "Privacy of a victim or witness"
    COURT_ORDER = "court_order", "Court order"
    STATE_LAW_EXEMPTION = "state_law_exemption", "State public-records law exemption"
    OTHER = "other", "Other (explained)"


class RedactionReason(models.TextChoices):
    BYSTANDER_FACE = "bystander_face", "Bystander face"
    MINOR = "minor", "Minor"
    VICTIM = "victim", "Victim"
    WITNESS = "witness", "Witness"
    LICENCE_PLATE = "licence_plate", "Licence plate"
    ADDRESS = "address", "Address"
    SCREEN_OR_DOCUMENT = "screen_or_document", "Screen or document"
    SPOKEN_PERSONAL_DATA = "spoken_personal_data", "Spoken personal data"
    OTHER = "other", "Other"


class UnredactReason(models.TextChoices):
    """Why an automatic region is taken out again."""

    FALSE_DETECTION = "false_detection", "Not a face (false detection)"
    OFFICIAL_IN_PUBLIC = "official_in_public", "Agent or officer acting in public"


class ChangeKind(models.TextChoices):
    MANUAL = "manual", "Added region"
    SUPPRESS = "suppress", "Removed false region"
    DO_NOT_REDACT = "do_not_redact", "Do not redact (needs a second officer)"
    MUTE = "mute", "Muted audio"
    BLEEP = "bleep", "Bleeped audio"


class Release(models.Model):
    footage = models.ForeignKey("footage.FootageItem", on_delete=models.PROTECT, related_name="releases")
    # Copied from the footage so deadline and public queries need no join through footage.
    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="releases")
    state = models.CharField(max_length=20, choices=ReleaseState.choices, default=ReleaseState.REQUESTED, editable=False)
    state_changed_at = models.DateTimeField(auto_now_add=True, editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    requested_at = models.DateTimeField(auto_now_add=True, editable=False)
    due_at = models.DateTimeField(null=True, blank=True, editable=False)
    mode = models.CharField(max_length=10, choices=RedactionMode.choices, default=RedactionMode.BLUR)

    release_file = models.FileField(max_length=300, blank=True, editable=False)
    release_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    release_size = models.BigIntegerField(null=True, blank=True, editable=False)
    original_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    redaction_log = models.JSONField(default=dict, blank=True, editable=False)
    pipeline_version = models.CharField(max_length=100, blank=True, editable=False)
    model_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    rendered_at = models.DateTimeField(null=True, blank=True, editable=False)

    # The second, independent scan of the rendered copy: [{"frame", "seconds", "box", "score",
    # "cleared_by_id", "cleared_by", "cleared_reason"}]. Approval needs it to have run on the current render and every finding cleared.
    check_findings = models.JSONField(default=list, blank=True, editable=False)
    check_completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    check_cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    withheld_ground = models.CharField(max_length=30, choices=WithholdGround.choices, blank=True, editable=False)
    withheld_explanation = models.TextField(blank=True, editable=False)
    # The day the withholding officer set for the city to look at the decision again (public).
    withheld_review_on = models.DateField(null=True, blank=True, editable=False)

    manifest = models.JSONField(default=dict, blank=True, editable=False)
    signature = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["state", "due_at"])]
        constraints = [
            # At most one release in flight per piece of footage; a withheld one may be asked again.
            models.UniqueConstraint(
                fields=["footage"],
                condition=~Q(state__in=["withheld", "published"]),
                name="releases_one_open_release_per_footage",
            ),
        ]

    def __str__(self) -> str:
        return f"Release {self.pk} of footage {self.footage_id}"

    @property
    def is_public(self) -> bool:
        return self.state == ReleaseState.PUBLISHED

    @property
    def open_findings(self) -> list[dict]:
        return [f for f in self.check_findings or [] if not f.get("cleared_by_id")]


class RedactionChange(models.Model):
    """One reviewer decision: a box added, an automatic track removed, an audio range muted."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=20, choices=ChangeKind.choices)
    reason = models.CharField(max_length=30)
    note = models.CharField(max_length=500, blank=True)
    # Suppress / do not redact: the automatic track as the reviewer saw it. Its number belongs to
    # one render; its boxes ([[frame, x1, y1, x2, y2], ...] in release-copy pixels, from that
    # render's log) are how later renders find the same face (redaction.TrackMark).
    track_id = models.IntegerField(null=True, blank=True)
    track_frames = models.JSONField(default=list, blank=True)
    start_frame = models.IntegerField(null=True, blank=True)
    end_frame = models.IntegerField(null=True, blank=True)
    keyframes = models.JSONField(default=list, blank=True)  # [[frame, x1, y1, x2, y2], ...] in source pixels
    start_seconds = models.FloatField(null=True, blank=True)
    end_seconds = models.FloatField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.reason}) on release {self.release_id}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None

    @property
    def is_track_mark(self) -> bool:
        return self.kind in (ChangeKind.SUPPRESS, ChangeKind.DO_NOT_REDACT)

    @property
    def takes_effect(self) -> bool:
        """Withdrawn changes never apply; "do not redact" applies only once a second officer confirmed it."""
        if not self.is_active:
            return False
        return self.kind != ChangeKind.DO_NOT_REDACT or self.confirmed_by_id is not None


RenderState = JobState


class RenderJob(JobRow):
    """One render of a release copy (plus its second-pass check). Claimed with a conditional
    UPDATE so two workers never run the same job; a killed worker's job goes stale and the
    sweeper queues it again."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="render_jobs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Written about once a second while the render runs, for the progress shown on the pages.
    frames_done = models.PositiveIntegerField(default=0)
    frames_total = models.PositiveIntegerField(default=0)
    seconds_left = models.PositiveIntegerField(null=True, blank=True)
    stage = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["release"], condition=Q(state__in=["queued", "running"]), name="releases_one_active_render_per_release"
            ),
        ]

    def __str__(self) -> str:
        return f"Render {self.pk} of release {self.release_id} ({self.state})"

    @property
    def percent(self) -> int:
        return int(min(max(self.progress, 0.0), 1.0) * 100)


class TranscriptionJob(JobRow):
    """Drafting the captions of one render: its own job, claimed like render jobs
    (portal/job_claims.py), queued when the render is recorded. One per render, so sending it
    twice drafts once; a killed worker's job goes stale and the sweeper queues it again."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="transcription_jobs")
    render_job = models.ForeignKey(RenderJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The render to transcribe: the draft counts only while the release still points at it.
    rendered_at = models.DateTimeField()
    release_sha256 = models.CharField(max_length=64)
    # The muted and bleeped ranges that render applied ([[start, end], ...] in seconds): silenced
    # again before the recogniser hears the copy.
    hidden = models.JSONField(default=list, blank=True)
    duration = models.FloatField(default=0.0)
    has_audio = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    stage = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["release", "rendered_at"], name="releases_one_transcription_job_per_render"),
        ]

    def __str__(self) -> str:
        return f"Transcription {self.pk} of release {self.release_id} ({self.state})"

    @property
    def percent(self) -> int:
        return int(min(max(self.progress, 0.0), 1.0) * 100)


class SignOff(models.Model):
    """One release officer's approval of one render of a release. Two sign-offs by different
    officers, at least one of whom did not shape the redactions, approve it (`releases.signoff`
    holds the rule, `releases.workflow` writes the rows)."""

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="signoffs", editable=False)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    signed_at = models.DateTimeField(editable=False)
    # The render signed: a sign-off counts only while the release still points at these bytes.
    release_sha256 = models.CharField(max_length=64, editable=False)
    rendered_at = models.DateTimeField(editable=False)
    # Whether the signer had made, confirmed or cleared redactions of the release when signing.
    shaped = models.BooleanField(default=False, editable=False)
    note = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "signed_by", "rendered_at"], name="releases_one_signoff_per_officer_per_render"
            ),
        ]

    def __str__(self) -> str:
        return f"Sign-off of release {self.release_id} by user {self.signed_by_id}"


class TranscriptStatus(models.TextChoices):
    SPEECH = "speech", "Speech found"
    NO_SPEECH = "no_speech", "No speech found"
    NO_AUDIO = "no_audio", "No audio track"
    UNREADABLE = "unreadable", "Audio unreadable"


class Transcript(models.Model):
    """The machine draft of one render's audio (as released: muted ranges silent) and the captions
    a person made of it. `releases.captions` writes it; approval of a render with speech needs it
    reviewed (`captions.approval_problem`)."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="transcripts", editable=False)
    render_job = models.ForeignKey(RenderJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False)
    # The render transcribed: the transcript counts only while the release still points at it.
    rendered_at = models.DateTimeField(editable=False)
    release_sha256 = models.CharField(max_length=64, editable=False)
    status = models.CharField(max_length=20, choices=TranscriptStatus.choices, editable=False)
    problem = models.TextField(blank=True, editable=False)
    language = models.CharField(max_length=20, default="en", editable=False)
    engine = models.JSONField(default=dict, blank=True, editable=False)
    # [[text, start, end], ...] in seconds of the release copy, as the recogniser heard them.
    words = models.JSONField(default=list, blank=True, editable=False)
    # [{"start", "end", "text", "kind": "speech" | "non_speech"}, ...], sorted, not overlapping.
    cues = models.JSONField(default=list, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False)
    edited_at = models.DateTimeField(null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False)
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A reviewer's statement that the audio holds no speech (the machine may hear speech in noise).
    stated_no_speech = models.BooleanField(default=False, editable=False)
    # The earlier render's captions a person made, whose cues were kept where the audio did not
    # change (`captions.carry_over`), and how many of them.
    carried_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False)
    carried_cues = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["release", "rendered_at"], name="releases_one_transcript_per_render"),
        ]

    def __str__(self) -> str:
        return f"Transcript of release {self.release_id} ({self.status})"

    @property
    def reviewed(self) -> bool:
        return self.reviewed_by_id is not None
