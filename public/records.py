"""A public incident as plain data: the one shape shared by the CSV, JSON and GeoJSON downloads
and the JSON API, so each says exactly what the pages say."""

from __future__ import annotations

from .selectors import PublicIncident

CSV_COLUMNS = [
    "reference",
    "url",
    "occurred_start",
    "occurred_end",
    "neighbourhood",
    "neighbourhood_label",
    "agencies",
    "categories",
    "outcome",
    "summary",
    "published_at",
    "location_precision",
    "latitude",
    "longitude",
    "agent_count",
    "agents_masked",
    "agents_identified",
    "warrant_shown",
    "vehicle_plates_seen",
    "file_count",
]


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def public_record(incident: PublicIncident, *, base_url: str = "") -> dict:
    return {
        "reference": incident.reference,
        "url": base_url + incident.url,
        "occurred_start": _iso(incident.occurred_start),
        "occurred_end": _iso(incident.occurred_end),
        "neighbourhood": incident.neighbourhood,
        "neighbourhood_label": incident.neighbourhood_label,
        "agencies": list(incident.agencies),
        "categories": list(incident.categories),
        "outcome": incident.outcome or None,
        "summary": incident.summary,
        "published_at": _iso(incident.published_at),
        "location_precision": incident.location_precision,
        "latitude": float(incident.latitude) if incident.latitude is not None else None,
        "longitude": float(incident.longitude) if incident.longitude is not None else None,
        "agent_count": incident.agent_count,
        "agents_masked": incident.agents_masked,
        "agents_identified": incident.agents_identified,
        "warrant_shown": incident.warrant_shown,
        "vehicle_plates_seen": incident.vehicle_plates_seen,
        "files": [
            {
                "id": f.id,
                "filename": f.filename,
                "url": base_url + f.url,
                "manifest_url": base_url + f.manifest_url,
                "sha256": f.sha256,
                "size": f.size,
                "published_at": _iso(f.published_at),
                "redactions": [str(line) for line in f.redactions],
                "captions_url": base_url + f.captions_url if f.captions_url else None,
                "captions_sha256": f.captions_sha256 or None,
                "transcript": f.transcript or None,
            }
            for f in incident.files
        ],
    }


def csv_row(record: dict) -> list:
    row = []
    for column in CSV_COLUMNS:
        if column == "file_count":
            row.append(len(record["files"]))
        elif column in ("agencies", "categories"):
            row.append(";".join(record[column]))
        elif isinstance(record[column], bool):
            row.append("yes" if record[column] else "no")
        else:
            value = record[column]
            row.append("" if value is None else value)
    return row


def geojson_feature(record: dict) -> dict:
    geometry = None
    if record["latitude"] is not None and record["longitude"] is not None:
        geometry = {"type": "Point", "coordinates": [record["longitude"], record["latitude"]]}
    properties = {k: v for k, v in record.items() if k not in ("latitude", "longitude")}
    return {"type": "Feature", "id": record["reference"], "geometry": geometry, "properties": properties}
