"""What the public may see: the one definition every public page, API, feed, export and sitemap
goes through.

An incident is public once it has been published (`published_at` set). Only the fields named in
PUBLIC_INCIDENT_FIELDS are loaded from the database, and templates and serializers never receive a
model instance: they get a `PublicIncident`, a frozen record holding nothing else. A private field
added to the model later stays private unless someone adds it here on purpose (whitelist, never
blacklist). Files come only from `releases.selectors.published_releases()`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from incidents.models import Incident
from incidents.vocabulary import AGENCIES, CATEGORIES, NEIGHBOURHOOD_CHOICES, OUTCOMES
from releases.publication import public_file_name
from releases.selectors import published_releases

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
    files: tuple[PublicFile, ...]

    @property
    def has_footage(self) -> bool:
        return bool(self.files)


def public_releases():
    """Published files, their public columns and their incident's reference only (the releases
    selector joins the whole incident row; nothing public needs more than the reference)."""
    return (
        published_releases()
        .select_related(None)
        .select_related("incident")
        .only(*PUBLIC_RELEASE_FIELDS, "incident__reference")
        .order_by("published_at", "id")
    )


def public_incidents() -> QuerySet[Incident]:
    """Published incidents, public columns only, with their published files prefetched as
    `public_files` (one extra query for a whole page)."""
    return (
        Incident.objects.filter(published_at__isnull=False)
        .only(*PUBLIC_INCIDENT_FIELDS)
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


def describe_redactions(manifest: dict | None, seconds: dict | None = None) -> tuple[str, ...]:
    """The manifest's redaction summary in plain sentences. Only counts, reasons and times are
    read from it: nothing about who redacted or where in the frame."""
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
            lines.append(gettext("Faces were blurred for %(seconds)s seconds in all.") % {"seconds": _seconds(seconds["faces"])})
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
                lines.append(
                    gettext("It stayed hidden for %(seconds)s seconds in all.") % {"seconds": _seconds(hidden_for)}
                )
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
    for audio in summary.get("audio_ranges") or []:
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


def redaction_seconds(log: dict | None) -> dict:
    """How long things stayed hidden, from the render log: seconds of automatic face blurring, and
    seconds per reviewer reason. Only frame counts and reasons are read; never boxes or names."""
    if not isinstance(log, dict):
        return {}
    try:
        fps = float((log.get("output") or {}).get("fps") or 0)
    except (TypeError, ValueError):
        return {}
    if fps <= 0:
        return {}
    faces = sum(
        len(t.get("frames") or ())
        for t in log.get("tracks") or ()
        if isinstance(t, dict) and not t.get("suppressed")
    )
    by_reason: dict[str, float] = {}
    for region in log.get("manual_regions") or ():
        try:
            frames = int(region["end_frame"]) - int(region["start_frame"]) + 1
        except (KeyError, TypeError, ValueError):
            continue
        reason = str(region.get("reason") or "other")
        by_reason[reason] = by_reason.get(reason, 0) + max(0, frames) / fps
    return {"faces": faces / fps, "by_reason": by_reason}


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
        redactions=describe_redactions(release.manifest, redaction_seconds(log)),
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
        files=tuple(as_public_file(r, log=(logs or {}).get(r.id)) for r in getattr(incident, "public_files", ())),
    )


def get_public_incident(reference: str, *, with_durations: bool = False) -> PublicIncident | None:
    """One public incident. `with_durations` also reads its files' render logs (one more query)
    to say how long each kind of thing stayed hidden; the incident page wants that, lists do not."""
    incident = public_incidents().filter(reference=reference).first()
    if incident is None:
        return None
    logs = None
    if with_durations and incident.public_files:
        ids = [r.id for r in incident.public_files]
        logs = dict(public_releases().filter(id__in=ids).values_list("id", "redaction_log"))
    return as_public(incident, logs=logs)


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
        queryset = queryset.filter(_list_holds("agencies", agency))
    if category:
        queryset = queryset.filter(_list_holds("categories", category))
    if has_footage is not None:
        with_files = Q(id__in=published_releases().values("incident_id"))
        queryset = queryset.filter(with_files if has_footage else ~with_files)
    if q:
        words = Q()
        for word in q.split()[:8]:
            words &= Q(reference__icontains=word) | Q(public_summary__icontains=word)
        queryset = queryset.filter(words)
    return queryset.order_by(*SORTS.get(sort, SORTS[""]))


def _list_holds(field: str, code: str) -> Q:
    """A JSON list column holds this code. PostgreSQL answers with jsonb containment; SQLite
    (the `make run` database) has no containment, so match the quoted code in the JSON text,
    which is exact because codes come from a fixed list and are validated by the form."""
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__contains": [code]})
    return Q(**{f"{field}__icontains": f'"{code}"'})


SORTS = {
    "": ("-published_at", "-id"),
    "newest": ("-occurred_start", "-id"),
    "oldest": ("occurred_start", "id"),
    "published": ("-published_at", "-id"),
    "neighbourhood": ("neighbourhood", "-occurred_start", "-id"),
}


def public_fingerprint() -> tuple[str, datetime | None]:
    """A value that changes whenever anything public changes (an incident published, edited or
    withdrawn, a file released), for ETag and Last-Modified. Two aggregate queries."""
    incidents = Incident.objects.filter(published_at__isnull=False).aggregate(
        n=Count("id"), updated=Max("updated_at"), published=Max("published_at")
    )
    files = published_releases().aggregate(n=Count("id"), published=Max("published_at"))
    stamps = [t for t in (incidents["updated"], incidents["published"], files["published"]) if t]
    raw = f"{incidents['n']}|{incidents['updated']}|{incidents['published']}|{files['n']}|{files['published']}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32], max(stamps) if stamps else None
