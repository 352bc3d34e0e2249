from django.conf import settings
from django.db import models

from .hashchain import ChainedEvent


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", "Succeeded"
    REFUSED = "refused", "Refused"
    FAILED = "failed", "Failed"


class AuditEvent(ChainedEvent):
    """One thing somebody did or tried to do: append-only and hash-chained.

    Incidents, releases and sign-ins all write here through `portal.audit.record_event`; a case's
    timeline is this table filtered by the case. The actor's username is copied in so the trail
    stays readable if the account is later renamed or deactivated.
    """

    CHAIN_FIELDS = (
        "actor",
        "actor_username",
        "action",
        "object_type",
        "object_id",
        "outcome",
        "from_state",
        "to_state",
        "reason",
        "ip_address",
        "detail",
    )

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True, db_index=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    outcome = models.CharField(max_length=16, choices=AuditOutcome.choices, default=AuditOutcome.SUCCESS)
    from_state = models.CharField(max_length=32, blank=True)
    to_state = models.CharField(max_length=32, blank=True)
    reason = models.TextField(blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta(ChainedEvent.Meta):
        indexes = [models.Index(fields=["object_type", "object_id", "id"])]
        permissions = [
            ("view_audit_trail", "Can read the whole audit trail"),
            ("export_audit_trail", "Can export the audit trail"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_username or 'system'} {self.action} {self.outcome}"


class WorkerHeartbeat(models.Model):
    """Written by a Celery task, so the staff home page can show that a worker really runs."""

    worker = models.CharField(max_length=200, unique=True)
    last_seen = models.DateTimeField()
    tasks_run = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.worker} at {self.last_seen:%H:%M:%S}"


class AuditCheckpoint(models.Model):
    """A signed statement of a hash chain's head: "at `signed_at` the chain `chain` ended at event
    `seq` with hash `event_hash`". Append-only like the events; `portal.checkpoints` writes it.

    `statement` holds the exact bytes that were signed, so verification never depends on how the
    columns beside it are read back; the columns are there to query and display.
    """

    chain = models.CharField(max_length=64)
    seq = models.BigIntegerField()
    event_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField(db_index=True)
    key_id = models.CharField(max_length=64)
    statement = models.TextField()
    signature = models.CharField(max_length=128)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["chain", "seq", "signed_at"], name="portal_checkpoint_once")]

    def __str__(self) -> str:
        return f"{self.chain} at {self.seq} signed {self.signed_at:%Y-%m-%d %H:%M}"


class RoleGrantState(models.TextChoices):
    PENDING = "pending", "Waiting for a second administrator"
    CONFIRMED = "confirmed", "Confirmed"
    REFUSED = "refused", "Refused"


class RoleGrantRequest(models.Model):
    """A role one administrator asked to give someone; it takes effect only when a second
    administrator confirms it (`portal.accounts` is the only writer)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="role_grant_requests")
    role = models.CharField(max_length=32)
    state = models.CharField(max_length=16, choices=RoleGrantState.choices, default=RoleGrantState.PENDING, editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    requested_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role"], condition=models.Q(state="pending"), name="one_pending_grant_per_user_and_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.role} for {self.user} ({self.state})"

    @property
    def role_label(self) -> str:
        from .roles import Role

        try:
            return Role(self.role).label
        except ValueError:
            return self.role


class LogEntry(models.Model):
    """One leaf of the public Merkle tree log (`portal.transparency_log`): a release manifest, a
    withdrawal or an audit checkpoint, as the exact canonical bytes that were hashed. Append-only."""

    index = models.BigIntegerField(unique=True)
    kind = models.CharField(max_length=40)
    entry = models.TextField()
    leaf_hash = models.CharField(max_length=64, db_index=True)
    logged_at = models.DateTimeField()

    class Meta:
        ordering = ["index"]

    def __str__(self) -> str:
        return f"log entry {self.index} ({self.kind})"


class SignedTreeHead(models.Model):
    """The log's root at a size, signed; `statement` holds the exact signed bytes. Append-only."""

    tree_size = models.BigIntegerField(unique=True)
    root_hash = models.CharField(max_length=64)
    timestamp = models.DateTimeField()
    key_id = models.CharField(max_length=64)
    statement = models.TextField()
    signature = models.CharField(max_length=128)

    class Meta:
        ordering = ["tree_size"]

    def __str__(self) -> str:
        return f"tree head at {self.tree_size}"


class TimestampToken(models.Model):
    """An RFC 3161 timestamp token over the SHA-256 of something the city signed (a tree head's
    statement, a release manifest), from one of TIMESTAMP_AUTHORITIES. Append-only."""

    subject = models.CharField(max_length=40)
    subject_id = models.BigIntegerField()
    message_sha256 = models.CharField(max_length=64)
    authority = models.CharField(max_length=500)
    token = models.TextField()
    gen_time = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["subject", "subject_id"])]
