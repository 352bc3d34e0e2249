"""Footage: the originals as received, their chain of custody, their derivatives and the jobs that
make them, and the resumable uploads they arrive through.

Behaviour lives elsewhere, one module per concern: `tus` receives uploads, `ingest` turns a
complete upload into a FootageItem, `custody` writes the chain of custody, `jobs` runs processing,
`access` says who sees what. These models hold state and nothing that changes it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils import timezone

from portal.hashchain import ChainedEvent
from portal.job_claims import JobRow, JobState


def evidence_storage():
    return storages["evidence"]


def derived_storage():
    return storages["default"]


class FootageKind(models.TextChoices):
    BODY_WORN = "body_worn", "Body-worn camera"
    SURVEILLANCE = "surveillance", "Surveillance camera"
    DASHCAM = "dashcam", "Dashcam"
    RESIDENT_PHONE = "resident_phone", "Resident's phone"
    PHOTO = "photo", "Photo"
    OTHER = "other", "Other"


class FootageStatus(models.TextChoices):
    PROCESSING = "processing", "Processing"
    READY = "ready", "Ready"
    PROCESSING_FAILED = "processing_failed", "Processing failed"


class FootageItem(models.Model):
    """One original file as it was received. Its bytes, hash and metadata never change; the
    derived files (proxy, poster, strip) are added by processing jobs."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="footage")
    kind = models.CharField(max_length=20, choices=FootageKind.choices)
    device_id = models.CharField("camera or device id", max_length=120, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now, db_index=True)
    original_filename = models.CharField(max_length=255)

    original = models.FileField(storage=evidence_storage, max_length=255, editable=False)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)

    media_type = models.CharField(max_length=10)  # "video" or "image", from the bytes
    mime = models.CharField(max_length=60)
    container = models.CharField(max_length=100, blank=True)
    video_codec = models.CharField(max_length=40, blank=True)
    audio_codec = models.CharField(max_length=40, blank=True)
    has_audio = models.BooleanField(default=False)
    duration = models.FloatField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    fps = models.FloatField(null=True, blank=True)
    rotation = models.PositiveSmallIntegerField(default=0)
    captured_at = models.DateTimeField(null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    device_make = models.CharField(max_length=100, blank=True)
    device_model = models.CharField(max_length=100, blank=True)

    proxy = models.FileField(storage=derived_storage, max_length=255, blank=True)
    proxy_sha256 = models.CharField(max_length=64, blank=True)
    poster = models.FileField(storage=derived_storage, max_length=255, blank=True)
    thumbnail_strip = models.FileField(storage=derived_storage, max_length=255, blank=True)
    strip_tile_count = models.PositiveSmallIntegerField(default=0)

    status = models.CharField(max_length=20, choices=FootageStatus.choices, default=FootageStatus.PROCESSING)
    last_verified_at = models.DateTimeField(null=True, blank=True)
    last_verification_ok = models.BooleanField(null=True)
    # Lifecycle state, each written only by its function in retention/deletion.
    do_not_disclose = models.BooleanField(default=False, editable=False)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["incident", "uploaded_at"])]

    def __str__(self) -> str:
        return f"{self.original_filename} ({self.sha256[:12]})"

    @property
    def is_video(self) -> bool:
        return self.media_type == "video"


class CustodyAction(models.TextChoices):
    INGESTED = "ingested", "Ingested"
    HASH_COMPUTED = "hash_computed", "Hash computed"
    VIEWED = "viewed", "Viewed"
    STREAMED = "streamed", "Streamed"
    DOWNLOADED = "downloaded", "Original downloaded"
    DERIVED = "derived", "Derived file made"
    EXPORTED = "exported", "Exported"
    VERIFIED = "verified", "Hash verified"
    VERIFICATION_FAILED = "verification_failed", "Hash verification FAILED"
    HOLD_PLACED = "hold_placed", "Legal hold placed"
    HOLD_LIFTED = "hold_lifted", "Legal hold lifted"
    DELETED = "deleted", "Original deleted (retention ended)"
    SHARED = "shared", "Shared with an outside recipient"
    SHARE_VIEWED = "share_viewed", "Viewed by an outside recipient"
    SHARE_DOWNLOADED = "share_downloaded", "Downloaded by an outside recipient"
    PACKAGED = "packaged", "Put in a case package"


class CustodyEvent(ChainedEvent):
    """One entry in a footage item's chain of custody. Append-only (database triggers) and
    hash-chained across the whole table, so deleting or editing any entry is detectable."""

    CHAIN_FIELDS = (
        "footage",
        "action",
        "actor",
        "actor_username",
        "ip_address",
        "original_sha256",
        "derived_sha256",
        "detail",
    )

    footage = models.ForeignKey(FootageItem, on_delete=models.PROTECT, related_name="custody_events")
    action = models.CharField(max_length=32, choices=CustodyAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_username = models.CharField(max_length=150, blank=True)  # "" means the system (a job)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    original_sha256 = models.CharField(max_length=64)
    derived_sha256 = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta(ChainedEvent.Meta):
        indexes = [models.Index(fields=["footage", "id"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_username or 'system'} {self.action}"


class JobKind(models.TextChoices):
    POSTER = "poster", "Poster frame"
    STRIP = "strip", "Thumbnail strip"
    PROXY = "proxy", "Web-playable proxy"


class ProcessingJob(JobRow):
    """The state of one derivation of one item, kept here rather than in the broker so a worker
    that dies mid-job is noticed (stale heartbeat) and the job is run again."""

    footage = models.ForeignKey(FootageItem, on_delete=models.PROTECT, related_name="jobs")
    kind = models.CharField(max_length=10, choices=JobKind.choices)
    # The columns as this table was made before JobRow: state indexed, attempts a small integer.
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["footage", "kind"], name="one_job_per_item_and_kind")]

    def __str__(self) -> str:
        return f"{self.kind} of footage {self.footage_id}: {self.state}"

    @property
    def percent(self) -> int:
        return int(round(self.progress * 100))


class UploadState(models.TextChoices):
    RECEIVING = "receiving", "Receiving"
    INGESTED = "ingested", "Ingested"
    REJECTED = "rejected", "Rejected"
    TERMINATED = "terminated", "Cancelled"
    EXPIRED = "expired", "Expired"


class Upload(models.Model):
    """A tus upload in progress: its bytes live in a partial file under UPLOAD_TEMP_DIR, and
    `offset` counts only bytes already fsynced there.

    A PATCH claims the row by setting `claim_token` with a conditional UPDATE on the offset it
    starts from, so two PATCHes at the same offset cannot both write; a claim whose holder died
    goes stale after a while and may be taken over."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=FootageKind.choices)
    device_id = models.CharField(max_length=120, blank=True)
    filename = models.CharField(max_length=255)
    # SHA-256 of the file's first and last MiB, from the client: finds this upload again from another browser.
    fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    length = models.PositiveBigIntegerField()
    offset = models.PositiveBigIntegerField(default=0)
    state = models.CharField(max_length=12, choices=UploadState.choices, default=UploadState.RECEIVING, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # The SHA-256 state after `offset` bytes (IncrementalSha256.save), written with the offset, so the
    # process that takes the next chunk goes on hashing without reading the file back.
    hash_state = models.BinaryField(null=True, blank=True, editable=False)
    # The partial file as the kernel saw it after the last chunk (boot, inode, size, change times), set
    # only while every byte below `offset` was read back and matched what was received; empty when
    # that cannot be vouched for, and then completion reads the whole file again to verify it.
    file_state = models.CharField(max_length=200, blank=True, editable=False)
    rejection_code = models.CharField(max_length=40, blank=True)
    rejection_detail = models.TextField(blank=True)
    footage = models.OneToOneField(FootageItem, null=True, blank=True, on_delete=models.PROTECT, related_name="upload")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename}: {self.offset}/{self.length} {self.state}"

    @property
    def percent(self) -> int:
        return int(self.offset * 100 / self.length) if self.length else 100


# ---- the evidence lifecycle: retention, holds, deletion, sharing (footage/retention.py,
# footage/deletion.py, footage/sharing.py write these; nothing here changes them) ----------------

class RetentionScope(models.TextChoices):
    CATEGORY = "category", "Incident category"
    KIND = "kind", "Footage kind"


class RetentionRule(models.Model):
    """How long footage is kept for one incident category or one footage kind; set by an
    administrator through `retention.set_retention_period`. The longest applicable rule wins."""

    scope = models.CharField(max_length=10, choices=RetentionScope.choices)
    key = models.CharField(max_length=40)
    days = models.PositiveIntegerField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["scope", "key"]
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="one_retention_rule_per_scope_and_key")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}: {self.days} days"


class LegalHold(models.Model):
    """A hold on an incident (all its footage) or on one footage item: while it is not lifted,
    nothing it covers is ever due for deletion."""

    incident = models.ForeignKey("incidents.Incident", null=True, blank=True, on_delete=models.PROTECT, related_name="legal_holds")
    footage = models.ForeignKey(FootageItem, null=True, blank=True, on_delete=models.PROTECT, related_name="legal_holds")
    reason = models.TextField()
    matter_reference = models.CharField(max_length=120)
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(default=timezone.now)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(incident__isnull=False, footage__isnull=True) | models.Q(incident__isnull=True, footage__isnull=False),
                name="legal_hold_on_an_incident_or_an_item",
            )
        ]

    def __str__(self) -> str:
        return f"Hold {self.pk} ({self.matter_reference})"

    @property
    def active(self) -> bool:
        return self.lifted_at is None


class DeletionBatchState(models.TextChoices):
    PROPOSED = "proposed", "Waiting for a records officer"
    APPROVED = "approved", "Approved, deleting"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class DeletionItemState(models.TextChoices):
    PENDING = "pending", "Pending"
    DELETED = "deleted", "Deleted"
    FAILED = "failed", "Storage error, left as it was"
    SKIPPED = "skipped", "Skipped, no longer due"


class DeletionBatch(models.Model):
    """Footage whose retention has ended, listed for a records officer; only an approved batch
    deletes, item by item, so a worker killed midway resumes with the items still pending."""

    state = models.CharField(max_length=10, choices=DeletionBatchState.choices, default=DeletionBatchState.PROPOSED, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Deletion batch {self.pk} ({self.state})"


class DeletionItem(models.Model):
    batch = models.ForeignKey(DeletionBatch, on_delete=models.PROTECT, related_name="items")
    footage = models.ForeignKey(FootageItem, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=DeletionItemState.choices, default=DeletionItemState.PENDING)
    due_at = models.DateTimeField()
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["batch", "footage"], name="one_deletion_item_per_batch_and_footage")]


class Tombstone(models.Model):
    """What remains of a deleted original: enough to prove what it was, that its custody chain
    was intact up to its end, and who decided it could go."""

    footage = models.OneToOneField(FootageItem, on_delete=models.PROTECT, related_name="tombstone")
    batch = models.ForeignKey(DeletionBatch, on_delete=models.PROTECT, related_name="tombstones")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    original_name = models.CharField(max_length=255)
    original_filename = models.CharField(max_length=255)
    custody_entries = models.PositiveIntegerField()
    custody_head_hash = models.CharField(max_length=64)
    approved_by_username = models.CharField(max_length=150)
    deleted_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Tombstone of footage {self.footage_id} ({self.sha256[:12]})"


class Share(models.Model):
    """Chosen footage of one case shared with a named outside recipient (a prosecutor) through a
    link; only the token's SHA-256 is stored, and the recipient confirms their email with a code."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="shares")
    items = models.ManyToManyField(FootageItem, related_name="shares")
    recipient_name = models.CharField(max_length=150)
    recipient_email = models.EmailField()
    recipient_organisation = models.CharField(max_length=200)
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    code_sha256 = models.CharField(max_length=64, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Share {self.public_id} with {self.recipient_email}"

    @property
    def is_open(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
