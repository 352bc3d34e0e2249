"""The incident record, the people involved, investigators' notes and proposed findings.

State lives in `Incident.state` but only `incidents.workflow` writes it; models hold data and the
small questions about one object. Who may see what is in `incidents.access`.
"""

from __future__ import annotations

from datetime import datetime
from datetime import timezone as dt_timezone
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from . import vocabulary as v

# Anything earlier is a typo; and before 1883 local time had offsets in seconds (-04:56:02), which
# no RFC 3339 date-time, as the API sends, can carry.
EARLIEST_OCCURRENCE = datetime(1900, 1, 1, tzinfo=dt_timezone.utc)

NARRATIVE_MAX = 20_000
TEXT_MAX = 5_000


FUTURE_GRACE = timedelta(minutes=10)

REQUIRED_TO_SUBMIT = {
    "occurred_start": "Say when it started.",
    "address": "Give the address or the nearest intersection.",
    "neighbourhood": "Choose the neighbourhood.",
    "agencies": "Choose at least one agency (or “Unknown federal agency”).",
    "categories": "Choose at least one category.",
    "narrative": "Describe what happened.",
    "source": "Say how the city learned of it.",
}


class IncidentState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    TRIAGE = "triage", "Under triage"
    INVESTIGATION = "investigation", "Under investigation"
    FINDINGS_PROPOSED = "findings_proposed", "Findings proposed"
    CLOSED = "closed", "Closed"


class Outcome(models.TextChoices):
    # Labels mirror vocabulary.OUTCOMES, which the public site reads.
    SUSTAINED = "sustained", "Sustained"
    NOT_SUSTAINED = "not_sustained", "Not sustained"
    UNFOUNDED = "unfounded", "Unfounded"
    REFERRED_DA = "referred_da", "Referred to the District Attorney"
    REFERRED_AG = "referred_ag", "Referred to the Attorney General"
    OTHER = "other", "Other"


class ChoiceList:
    """Validates a JSON list whose items must all come from one fixed vocabulary."""

    def __init__(self, choices: list[tuple[str, str]], label: str):
        self.allowed = {key for key, _ in choices}
        self.label = label

    def __call__(self, value) -> None:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValidationError(f"Give the {self.label} as a list of names.", code="invalid")
        unknown = sorted(set(value) - self.allowed)
        if unknown:
            raise ValidationError(
                "Unknown %(label)s: %(unknown)s.", code="invalid_choice", params={"label": self.label, "unknown": ", ".join(unknown)[:200]}
            )
        if len(value) != len(set(value)):
            raise ValidationError(f"Each of the {self.label} may be listed once.", code="duplicate")


def validate_agencies(value) -> None:
    ChoiceList(v.AGENCIES, "agencies")(value)


def validate_categories(value) -> None:
    ChoiceList(v.CATEGORIES, "categories")(value)


class ReferenceSequence(models.Model):
    """The last reference number handed out per year; rows are locked while a number is taken."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)


class Incident(models.Model):
    reference = models.CharField(max_length=20, unique=True, editable=False)
    state = models.CharField(max_length=20, choices=IncidentState.choices, default=IncidentState.DRAFT, db_index=True, editable=False)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True, editable=False)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reported_incidents", editable=False)
    assigned_investigator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_incidents", editable=False
    )

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the state last changed: a case untouched for too long is "overdue" on the dashboards.
    state_changed_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    occurred_start = models.DateTimeField("Started", null=True, blank=True)
    occurred_end = models.DateTimeField("Ended", null=True, blank=True)

    address = models.CharField(max_length=300, blank=True)
    neighbourhood = models.CharField(max_length=40, choices=v.NEIGHBOURHOOD_CHOICES, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True,
                                   validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True,
                                    validators=[MinValueValidator(-180), MaxValueValidator(180)])
    on_city_property = models.BooleanField("On city property", default=False)
    sensitive_location = models.CharField(max_length=20, choices=v.SENSITIVE_LOCATIONS, default="none")

    agencies = models.JSONField(default=list, blank=True, validators=[validate_agencies])
    agent_count = models.PositiveIntegerField("Number of agents", null=True, blank=True, validators=[MaxValueValidator(1000)])
    agents_masked = models.BooleanField("Agents were masked", default=False)
    agents_unidentified = models.BooleanField("Agents did not identify themselves", default=False)
    badge_numbers = models.CharField("Badge numbers seen", max_length=500, blank=True)
    unit_identifiers = models.CharField("Unit identifiers seen", max_length=500, blank=True)
    vehicle_plates = models.CharField("Vehicle plates seen", max_length=500, blank=True)
    warrant_shown = models.CharField(max_length=20, choices=v.WARRANT_TYPES, default="unknown")

    categories = models.JSONField(default=list, blank=True, validators=[validate_categories])
    injuries = models.TextField(blank=True, validators=[MaxLengthValidator(TEXT_MAX)])
    property_damage = models.TextField(blank=True, validators=[MaxLengthValidator(TEXT_MAX)])
    narrative = models.TextField(blank=True, validators=[MaxLengthValidator(NARRATIVE_MAX)])
    police_report_number = models.CharField(max_length=50, blank=True)
    source = models.CharField("How the city learned of it", max_length=20, choices=v.SOURCES, blank=True)

    public_summary = models.TextField(blank=True, validators=[MaxLengthValidator(TEXT_MAX)])
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    public_location_precision = models.CharField(max_length=20, choices=v.PUBLIC_LOCATION_PRECISIONS, default="block", editable=False)
    public_latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True, editable=False)
    public_longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "state_changed_at"]), models.Index(fields=["published_at"]),
                   # Read by an earlier public data version (now public.data_version); kept, as dropping it needs a migration.
                   models.Index(fields=["published_at", "updated_at"], name="incident_public_version_idx")]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("incidents:detail", args=[self.pk])

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for name in ("occurred_start", "occurred_end"):
            if getattr(self, name) is not None and getattr(self, name) < EARLIEST_OCCURRENCE:
                errors[name] = "Check the year: incidents are recorded from 1900 on."
        if self.occurred_start and self.occurred_end and self.occurred_end < self.occurred_start:
            errors.setdefault("occurred_end", "The end must be after the start.")
        # A few minutes' grace for a phone's clock; an incident an hour ahead is a typing slip.
        latest = timezone.now() + FUTURE_GRACE
        for name in ("occurred_start", "occurred_end"):
            if getattr(self, name) and getattr(self, name) > latest and name not in errors:
                errors[name] = "This is in the future: an incident is reported after it happens."
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude" if self.longitude is None else "latitude"] = "Give both latitude and longitude, or neither."
        elif self.latitude is not None and not v.is_inside_city(self.latitude, self.longitude):
            errors["latitude"] = "These coordinates are outside the city."
        if errors:
            raise ValidationError(errors)

    def missing_for_submission(self) -> dict[str, list[str]]:
        """What the report must still say before it leaves the reporter's drafts."""
        return {name: [message] for name, message in REQUIRED_TO_SUBMIT.items() if getattr(self, name) in (None, "", [])}

    def agency_labels(self) -> list[str]:
        return v.labels_for(v.AGENCIES, self.agencies)

    def category_labels(self) -> list[str]:
        return v.labels_for(v.CATEGORIES, self.categories)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Person(models.Model):
    """Someone involved in an incident. Everything here is private: never public, never exported."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="people")
    role = models.CharField(max_length=20, choices=v.PERSON_ROLES)
    name = models.CharField(max_length=200, blank=True)
    contact = models.CharField(max_length=300, blank=True)
    preferred_language = models.CharField(max_length=50, blank=True)
    notes = models.TextField(blank=True, validators=[MaxLengthValidator(TEXT_MAX)])

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}".strip()


class CaseNote(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(validators=[MaxLengthValidator(TEXT_MAX)])
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]


class FindingStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"
    SENT_BACK = "sent_back", "Sent back"


class Finding(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="findings")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(validators=[MaxLengthValidator(NARRATIVE_MAX)])
    proposed_outcome = models.CharField(max_length=20, choices=Outcome.choices)
    status = models.CharField(max_length=20, choices=FindingStatus.choices, default=FindingStatus.PROPOSED)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # At most one proposal waits for a supervisor at a time.
            models.UniqueConstraint(fields=["incident"], condition=models.Q(status="proposed"), name="one_open_finding_per_incident")
        ]
