"""The CSV export of the cases a user may see, streamed row by row.

It carries no people involved, narratives or notes. Every cell is neutralised (portal.csv_export) against
spreadsheet formula injection, since the content was typed by people we do not control.
"""

from __future__ import annotations

from typing import Iterator

from django.db.models import QuerySet

from portal.csv_export import stream_csv

from .models import Incident

INCIDENT_COLUMNS = [
    ("reference", lambda i: i.reference),
    ("state", lambda i: i.state),
    ("outcome", lambda i: i.outcome),
    ("created_at", lambda i: i.created_at.isoformat()),
    ("submitted_at", lambda i: i.submitted_at.isoformat() if i.submitted_at else ""),
    ("closed_at", lambda i: i.closed_at.isoformat() if i.closed_at else ""),
    ("occurred_start", lambda i: i.occurred_start.isoformat() if i.occurred_start else ""),
    ("occurred_end", lambda i: i.occurred_end.isoformat() if i.occurred_end else ""),
    ("address", lambda i: i.address),
    ("neighbourhood", lambda i: i.neighbourhood),
    ("latitude", lambda i: i.latitude if i.latitude is not None else ""),
    ("longitude", lambda i: i.longitude if i.longitude is not None else ""),
    ("on_city_property", lambda i: i.on_city_property),
    ("sensitive_location", lambda i: i.sensitive_location),
    ("agencies", lambda i: ";".join(i.agencies)),
    ("agent_count", lambda i: i.agent_count if i.agent_count is not None else ""),
    ("agents_masked", lambda i: i.agents_masked),
    ("agents_unidentified", lambda i: i.agents_unidentified),
    ("warrant_shown", lambda i: i.warrant_shown),
    ("categories", lambda i: ";".join(i.categories)),
    ("police_report_number", lambda i: i.police_report_number),
    ("source", lambda i: i.source),
    ("reporter", lambda i: i.reporter.get_username()),
    ("assigned_investigator", lambda i: i.assigned_investigator.get_username() if i.assigned_investigator else ""),
    ("published_at", lambda i: i.published_at.isoformat() if i.published_at else ""),
    ("public_summary", lambda i: i.public_summary),
]

def incident_rows(queryset: QuerySet[Incident]) -> Iterator[str]:
    queryset = queryset.select_related("reporter", "assigned_investigator").order_by("id")
    return stream_csv(
        [name for name, _ in INCIDENT_COLUMNS],
        ([get(incident) for _, get in INCIDENT_COLUMNS] for incident in queryset.iterator(chunk_size=500)),
    )
