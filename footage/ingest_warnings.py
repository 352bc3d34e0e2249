"""What an investigator should look at twice about a piece of footage: the same bytes already in
evidence on another case, or a capture time or GPS position in the file far from the incident's.
Warnings only: footage is never refused for them (a file's clock or GPS may simply be wrong)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import QuerySet

from .models import FootageItem

# Beyond these, the file was probably not recorded at this incident (or its device's clock or GPS is off).
TIME_TOLERANCE = timedelta(hours=2)
DISTANCE_TOLERANCE_M = 1_000.0


@dataclass(frozen=True)
class IngestWarning:
    code: str
    message: str
    url: str | None = None


def warnings_for(item: FootageItem, *, visible: QuerySet[FootageItem]) -> list[IngestWarning]:
    """`visible` is the footage the reader may see, so a duplicate on a case they cannot see is
    mentioned without naming that case."""
    found: list[IngestWarning] = []
    duplicates = FootageItem.objects.filter(sha256=item.sha256).exclude(incident_id=item.incident_id).select_related("incident")
    seen = {d.pk for d in visible.filter(pk__in=[d.pk for d in duplicates])}
    for duplicate in duplicates:
        if duplicate.pk in seen:
            found.append(IngestWarning(
                "duplicate", f"The same file (same SHA-256) is already in evidence on {duplicate.incident.reference}.",
                url=duplicate.incident.get_absolute_url(),
            ))
        else:
            found.append(IngestWarning("duplicate", "The same file (same SHA-256) is already in evidence on another case."))
    incident = item.incident
    if item.captured_at and incident.occurred_start:
        start = incident.occurred_start - TIME_TOLERANCE
        end = (incident.occurred_end or incident.occurred_start) + TIME_TOLERANCE
        if not start <= item.captured_at <= end:
            gap = (start - item.captured_at) if item.captured_at < start else (item.captured_at - end)
            gap += TIME_TOLERANCE
            side = "before" if item.captured_at < start else "after"
            found.append(IngestWarning("capture_time", f"The file says it was recorded {_duration(gap)} {side} the incident."))
    if item.latitude is not None and incident.latitude is not None:
        metres = _distance_m(item.latitude, item.longitude, float(incident.latitude), float(incident.longitude))
        if metres > DISTANCE_TOLERANCE_M:
            found.append(IngestWarning("gps", f"The file's GPS position is {metres / 1000:.1f} km from the incident's place."))
    return found


def _duration(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    if hours < 48:
        return f"{hours:.0f} hours"
    return f"{hours / 24:.0f} days"


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    # Haversine: plenty for "is this a kilometre away" within one city.
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))
