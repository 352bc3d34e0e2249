"""What the public may see: the one definition every public page, API, feed, export and sitemap
goes through.

An incident is public once it has been published (`published_at` set). Only the fields named in
PUBLIC_INCIDENT_FIELDS are loaded from the database, and templates and serializers never receive a
model instance: they get a `PublicIncident`, a frozen record holding nothing else. A private field
added to the model later stays private unless someone adds it here on purpose (whitelist, never
blacklist). Files come only from `releases.selectors.published_releases()`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.models import Incident
from incidents.vocabulary import AGENCIES, CATEGORIES, NEIGHBOURHOOD_CHOICES, OUTCOMES, WARRANT_TYPES
from releases.publication import public_file_name
from redaction.regions_log import RegionsLog
from releases.selectors import published_releases

from .search import list_holds, search_matches
from .vocabulary_labels import translated_label

PUBLIC_INCIDENT_FIELDS = (
    "id",
    "reference",
    "state",
    "outcome",
    "occurred_start",
    "occurred_end",
    "neighbourhood",
    "agencies",
    "categories",
    "public_summary",
    "published_at",
    "updated_at",
    "public_location_precision",
    "public_latitude",
    "public_longitude",
    "agent_count",
    "agents_masked",
    "agents_unidentified",
    "warrant_shown",
)
PUBLIC_RELEASE_FIELDS = (
    "id",
    "incident_id",
    "release_file",
    "release_sha256",
    "release_size",
    "published_at",
    "manifest",
)
CLOSED_STATE = "closed"

AGENCY_LABELS = dict(AGENCIES)
CATEGORY_LABELS = dict(CATEGORIES)
NEIGHBOURHOOD_LABELS = dict(NEIGHBOURHOOD_CHOICES)
OUTCOME_LABELS = dict(OUTCOMES)
WARRANT_LABELS = dict(WARRANT_TYPES)

# Plain words for the reasons a reviewer gives for hiding something (releases' fixed list).
REDACTION_REASON_WORDS = {
    "bystander_face": _("the face of a bystander"),
    "minor": _("a child"),
    "victim": _("a victim"),
    "witness": _("a witness"),
    "licence_plate": _("a licence plate"),
    "license_plate": _("a licence plate"),
    "address": _("an address"),
    "screen_or_document": _("a screen or document"),
    "spoken_personal_data": _("personal details said out loud"),
    "other": _("other private details"),
}


# Plain words for the legal grounds of withholding (releases' fixed list). An officer's written
# explanation is never shown: it may name the people it protects.
WITHHELD_GROUND_WORDS = {
    "ongoing_investigation": _("An investigation is still going on, and releasing the footage now could harm it."),
    "minor_privacy": _("It would show a child, whose privacy the law protects."),
    "victim_privacy": _("It would show a victim or a witness, whose privacy the law protects."),
    "court_order": _("A court has ordered that it not be released."),
    "state_law_exemption": _("The state's public-records law exempts it from release."),
    "other": _("Another legal ground recorded by the city."),
}


@dataclass(frozen=True)
class WithheldFootage:
    media_type: str  # "video" or "image"
    ground: str
    ground_words: str
    withheld_on: datetime
    review_by: date | None  # recorded with the decision by the officer who withheld
    released_on: datetime | None = None  # set when the file was public before it was withdrawn


@dataclass(frozen=True)
class ReleaseClock:
    """Days from the incident to its first released file, against the city's deadline; or, while
    footage is still being prepared, the deadline and how far past it the city is."""

    deadline_days: int
    due_on: datetime
    released_after_days: int | None = None
    pending: bool = False
    overdue: bool = False
    overdue_days: int = 0

    @property
    def on_time(self) -> bool | None:
        if self.released_after_days is None:
            return None
        return self.released_after_days <= self.deadline_days

    @property
    def days_late(self) -> int:
        return max(0, (self.released_after_days or 0) - self.deadline_days)


@dataclass(frozen=True)
class PublicFile:
    id: int
    filename: str
    url: str
    manifest_url: str
    sha256: str
    size: int
    published_at: datetime | None
    media_type: str
    redactions: tuple[str, ...]
    # Reviewed captions (WebVTT) and their text; empty where the file has no speech.
    captions_url: str = ""
    captions_language: str = ""
    captions_sha256: str = ""
    transcript: str = ""


@dataclass(frozen=True)
class PublicIncident:
    reference: str
    url: str
    occurred_start: datetime | None
    occurred_end: datetime | None
    neighbourhood: str
    neighbourhood_label: str
    agencies: tuple[str, ...]
    agency_labels: tuple[str, ...]
    categories: tuple[str, ...]
    category_labels: tuple[str, ...]
    is_closed: bool
    outcome: str
    outcome_label: str
    summary: str
    published_at: datetime | None
    location_precision: str
    latitude: Decimal | None
    longitude: Decimal | None
    agent_count: int | None
    agents_masked: bool
    agents_identified: bool
    warrant_shown: str
    warrant_label: str
    vehicle_plates_seen: bool
    files: tuple[PublicFile, ...]
    withheld: tuple[WithheldFootage, ...] = ()
    clock: ReleaseClock | None = None

    @property
    def has_footage(self) -> bool:
        return bool(self.files)


def public_releases():
    """Published files, their public columns, their incident's reference and whether the footage
    has sound only (the releases selector joins the whole incident row; nothing public needs more)."""
    return (
        published_releases()
        .select_related(None)
        .select_related("incident", "footage")
        .only(*PUBLIC_RELEASE_FIELDS, "incident__reference", "footage__has_audio")
        .order_by("published_at", "id")
    )


def public_incidents() -> QuerySet[Incident]:
    """Published incidents, public columns only, with their published files prefetched as
    `public_files` (one extra query for a whole page). Of the plates seen, only whether any were
    recorded is public (`vehicle_plates_seen`), never the plates themselves."""
    return (
        Incident.objects.filter(published_at__isnull=False)
        .only(*PUBLIC_INCIDENT_FIELDS)
        .annotate(vehicle_plates_seen=ExpressionWrapper(~Q(vehicle_plates=""), output_field=BooleanField()))
        .prefetch_related(Prefetch("releases", queryset=public_releases(), to_attr="public_files"))
        .order_by("-published_at", "-id")
    )


def _media_type(filename: str) -> str:
    lower = filename.lower()
    if lower.endswith((".jpg", ".jpeg")):
        return "image/jpeg"
    if lower.endswith(".png"):
        return "image/png"
    if lower.endswith(".webm"):
        return "video/webm"
    return "video/mp4"


def describe_redactions(manifest: dict | None, seconds: dict | None = None, *, has_audio: bool = True) -> tuple[str, ...]:
    """The manifest's redaction summary in plain sentences. Only counts, reasons and times are
    read from it: nothing about who redacted or where in the frame. A file without sound gets no
    sentence about sound (a muted range on a silent clip removed nothing)."""
    from django.utils.translation import gettext, ngettext

    summary = (manifest or {}).get("redaction") or {}
    lines: list[str] = []
    faces = summary.get("automatic_faces_hidden") or 0
    if isinstance(faces, int) and faces > 0:
        lines.append(
            ngettext(
                "%(count)d face was blurred automatically for privacy.",
                "%(count)d faces were blurred automatically for privacy.",
                faces,
            )
            % {"count": faces}
        )
        if seconds and seconds.get("faces"):
            lines.append(_duration_sentence(seconds["faces"], gettext("Faces were blurred for %(seconds)s seconds in all."),
                                            gettext("Faces were blurred for less than a second in all.")))
    by_reason = summary.get("manual_changes_by_reason") or {}
    if isinstance(by_reason, dict):
        for reason, count in sorted(by_reason.items()):
            if not isinstance(count, int) or count <= 0:
                continue
            words = REDACTION_REASON_WORDS.get(reason, REDACTION_REASON_WORDS["other"])
            lines.append(
                ngettext(
                    "A reviewer hid %(what)s (%(count)d time).",
                    "A reviewer hid %(what)s (%(count)d times).",
                    count,
                )
                % {"what": words, "count": count}
            )
            hidden_for = (seconds or {}).get("by_reason", {}).get(reason)
            if hidden_for:
                lines.append(_duration_sentence(hidden_for, gettext("It stayed hidden for %(seconds)s seconds in all."),
                                                gettext("It stayed hidden for less than a second.")))
    kept = summary.get("automatic_regions_removed") or 0
    if isinstance(kept, int) and kept > 0:
        lines.append(
            ngettext(
                "%(count)d automatic blur was taken off again: it was not a face, or it was an agent or officer acting in public.",
                "%(count)d automatic blurs were taken off again: they were not faces, or they were agents or officers acting in public.",
                kept,
            )
            % {"count": kept}
        )
    for audio in (summary.get("audio_ranges") or []) if has_audio else ():
        try:
            start, end = float(audio["start_seconds"]), float(audio["end_seconds"])
        except (KeyError, TypeError, ValueError):
            continue
        lines.append(
            gettext("Sound was removed from %(start)s to %(end)s to protect personal details said out loud.")
            % {"start": _clock(start), "end": _clock(end)}
        )
    if not lines:
        lines.append(gettext("Nothing needed to be hidden in this file."))
    return tuple(lines)


def redaction_seconds(log: Mapping | None) -> dict:
    """How long things stayed hidden, from the stored render log: seconds of the video during
    which any face was blurred automatically, and per reviewer reason. Each is the union over time
    (two faces blurred in the same second count one second), never a sum over regions. Only frame
    numbers and reasons are read; never boxes or names."""
    regions = RegionsLog.from_dict(log)
    if regions.fps <= 0:
        return {}
    by_reason: dict[str, set[int]] = {}
    for region in regions.manual_regions:
        by_reason.setdefault(region.reason, set()).update(region.hidden_frames())
    return {
        "faces": len(regions.face_hidden_frames()) / regions.fps,
        "by_reason": {r: len(f) / regions.fps for r, f in by_reason.items() if f},
    }


def _duration_sentence(value: float, sentence: str, under_a_second: str) -> str:
    # Rounding 0.04 s to "0 seconds" would say something stayed hidden for no time at all.
    return under_a_second if value < 0.95 else sentence % {"seconds": _seconds(value)}


def _seconds(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if value < 10 else str(round(value))


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def as_public_file(release, *, log: dict | None = None) -> PublicFile:
    filename = public_file_name(release) if release.release_file else ""
    return PublicFile(
        id=release.id,
        filename=filename,
        url=reverse("public:release-file", args=[release.id, filename]) if filename else "",
        manifest_url=reverse("public:release-manifest", args=[release.id]),
        sha256=release.release_sha256,
        size=release.release_size or 0,
        published_at=release.published_at,
        media_type=_media_type(filename),
        redactions=describe_redactions(release.manifest, redaction_seconds(log), has_audio=release.footage.has_audio),
        **_public_captions(release),
    )


def _public_captions(release) -> dict:
    from releases.captions import published_captions

    published = published_captions(release) if release.manifest.get("captions") else None
    if published is None:
        return {}
    return {
        "captions_url": reverse("public:release-captions", args=[release.id]), "captions_language": published["language"],
        "captions_sha256": published["vtt_sha256"], "transcript": published["text"],
    }


def as_public(incident: Incident, *, logs: dict | None = None) -> PublicIncident:
    agencies = tuple(incident.agencies or ())
    categories = tuple(incident.categories or ())
    is_closed = incident.state == CLOSED_STATE
    outcome = incident.outcome if is_closed else ""
    files = tuple(as_public_file(r, log=(logs or {}).get(r.id)) for r in getattr(incident, "public_files", ()))
    return PublicIncident(
        reference=incident.reference,
        url=reverse("public:incident-detail", args=[incident.reference]),
        occurred_start=incident.occurred_start,
        occurred_end=incident.occurred_end,
        neighbourhood=incident.neighbourhood,
        neighbourhood_label=NEIGHBOURHOOD_LABELS.get(incident.neighbourhood, incident.neighbourhood),
        agencies=agencies,
        agency_labels=tuple(translated_label(AGENCY_LABELS.get(a, a)) for a in agencies),
        categories=categories,
        category_labels=tuple(translated_label(CATEGORY_LABELS.get(c, c)) for c in categories),
        is_closed=is_closed,
        outcome=outcome or "",
        outcome_label=translated_label(OUTCOME_LABELS.get(outcome, outcome or "")),
        summary=incident.public_summary,
        published_at=incident.published_at,
        location_precision=incident.public_location_precision,
        latitude=incident.public_latitude,
        longitude=incident.public_longitude,
        agent_count=incident.agent_count,
        agents_masked=incident.agents_masked,
        agents_identified=not incident.agents_unidentified,
        warrant_shown=incident.warrant_shown,
        warrant_label=translated_label(WARRANT_LABELS.get(incident.warrant_shown, incident.warrant_shown)),
        vehicle_plates_seen=bool(getattr(incident, "vehicle_plates_seen", False)),
        files=files,
        clock=_released_clock(incident.occurred_start, files),
    )


def get_public_incident(reference: str, *, with_durations: bool = False) -> PublicIncident | None:
    """One public incident. `with_durations` also reads its files' render logs (one more query)
    to say how long each kind of thing stayed hidden, and what footage was withheld and why (one
    more); the incident page wants that, lists do not."""
    incident = public_incidents().filter(reference=reference).first()
    if incident is None:
        return None
    logs = None
    if with_durations and incident.public_files:
        ids = [r.id for r in incident.public_files]
        logs = dict(public_releases().filter(id__in=ids).values_list("id", "redaction_log"))
    public = as_public(incident, logs=logs)
    if with_durations:
        public = replace(public, withheld=withheld_footage(incident.id))
        if public.clock is None and incident.occurred_start:
            public = replace(public, clock=_pending_clock(incident))
    return public


def _released_clock(occurred_start: datetime | None, files: tuple[PublicFile, ...]) -> ReleaseClock | None:
    published = [f.published_at for f in files if f.published_at]
    if not occurred_start or not published:
        return None
    deadline = settings.RELEASE_DEADLINE_DAYS
    return ReleaseClock(
        deadline_days=deadline,
        due_on=occurred_start + timedelta(days=deadline),
        released_after_days=max(0, (min(published) - occurred_start).days),
    )


def _pending_clock(incident: Incident) -> ReleaseClock | None:
    """The clock of footage still being prepared (none released yet). Only whether such footage
    exists and the deadline are read."""
    from releases.selectors import OPEN_STATES

    if not incident.releases.filter(state__in=OPEN_STATES).exists():
        return None
    deadline = settings.RELEASE_DEADLINE_DAYS
    due_on = incident.occurred_start + timedelta(days=deadline)
    now = timezone.now()
    overdue = now > due_on
    return ReleaseClock(deadline_days=deadline, due_on=due_on, pending=True, overdue=overdue, overdue_days=max(1, (now - due_on).days) if overdue else 0)


def withdrawn_file_dates(sha256: str) -> tuple[datetime, datetime] | None:
    """When a file the city released, and later withdrew, was published and withdrawn: someone
    holding a copy learns it was the city's, not that the city never released it. Only files of
    incidents that are still public."""
    from releases.models import Release, ReleaseState

    row = (
        Release.objects.filter(release_sha256=sha256, state=ReleaseState.WITHHELD, published_at__isnull=False,
                               incident__published_at__isnull=False)
        .order_by("-state_changed_at").values_list("published_at", "state_changed_at").first()
    )
    return tuple(row) if row else None


def withheld_footage(incident_id: int) -> tuple[WithheldFootage, ...]:
    """Footage of a published incident that the city decided to withhold, and on what ground:
    that it exists is public, what it shows is not; a file withdrawn after publication is said to
    have been released, since the public may hold copies. A piece of footage later released, or
    asked for again, is no longer listed as withheld. Only the media type, the ground and the dates
    are read."""
    from releases.models import Release, ReleaseState

    rows = (
        Release.objects.filter(incident_id=incident_id, incident__published_at__isnull=False, state=ReleaseState.WITHHELD)
        .exclude(footage__releases__state__in=[s for s in ReleaseState.values if s != ReleaseState.WITHHELD])
        .order_by("footage_id", "-state_changed_at")
        .values_list("footage_id", "footage__media_type", "withheld_ground", "state_changed_at", "withheld_review_on",
                     "published_at")
    )
    latest: dict[int, WithheldFootage] = {}
    for footage_id, media_type, ground, withheld_on, review_by, released_on in rows:
        if footage_id in latest:
            continue
        latest[footage_id] = WithheldFootage(
            media_type="image" if media_type == "image" else "video",
            ground=ground,
            ground_words=str(WITHHELD_GROUND_WORDS.get(ground, WITHHELD_GROUND_WORDS["other"])),
            withheld_on=withheld_on,
            review_by=review_by,
            released_on=released_on,
        )
    return tuple(sorted(latest.values(), key=lambda w: w.withheld_on))


def filter_public_incidents(
    queryset: QuerySet[Incident],
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    neighbourhood: str = "",
    agency: str = "",
    category: str = "",
    has_footage: bool | None = None,
    q: str = "",
    sort: str = "",
) -> QuerySet[Incident]:
    """Search and filters over public fields only: searching a private field would let anyone
    learn its contents one guess at a time."""
    if date_from:
        queryset = queryset.filter(occurred_start__date__gte=date_from)
    if date_to:
        queryset = queryset.filter(occurred_start__date__lte=date_to)
    if neighbourhood:
        queryset = queryset.filter(neighbourhood=neighbourhood)
    if agency:
        queryset = queryset.filter(list_holds("agencies", agency))
    if category:
        queryset = queryset.filter(list_holds("categories", category))
    if has_footage is not None:
        with_files = Q(id__in=published_releases().values("incident_id"))
        queryset = queryset.filter(with_files if has_footage else ~with_files)
    if q:
        queryset = queryset.filter(search_matches(q))
    return queryset.order_by(*SORTS.get(sort, SORTS[""]))


SORTS = {
    "": ("-published_at", "-id"),
    "newest": ("-occurred_start", "-id"),
    "oldest": ("occurred_start", "id"),
    "published": ("-published_at", "-id"),
    "neighbourhood": ("neighbourhood", "-occurred_start", "-id"),
}
