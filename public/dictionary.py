"""The data dictionary: every field of the open-data downloads and the public API, what it means
and the values it takes. The page /open-data/dictionary/ shows it, and a test checks that every
field of `public_record` is defined here, so a new field cannot ship undocumented."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from incidents.vocabulary import AGENCIES, CATEGORIES, NEIGHBOURHOOD_CHOICES, OUTCOMES, PUBLIC_LOCATION_PRECISIONS, WARRANT_TYPES


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    meaning: str
    values: tuple[tuple[str, str], ...] = ()


def _coded(choices) -> tuple[tuple[str, str], ...]:
    return tuple((code, _(label)) for code, label in choices)


YES_NO = ((_("true / yes"), _("Yes")), (_("false / no"), _("No")))

INCIDENT_FIELDS = (
    Field("reference", _("text"), _("The incident's number, for example IDP-2026-0001.")),
    Field("url", _("address (URL)"), _("The incident's page on this site.")),
    Field("occurred_start", _("date and time (ISO 8601)"), _("When the incident started.")),
    Field("occurred_end", _("date and time (ISO 8601), or empty"), _("When the incident ended, if known.")),
    Field("neighbourhood", _("code"), _("The neighbourhood where it happened."), tuple(NEIGHBOURHOOD_CHOICES)),
    Field("neighbourhood_label", _("text"), _("The neighbourhood's name.")),
    Field("agencies", _("list of codes (separated by ; in CSV)"), _("The federal agencies whose agents were there."), _coded(AGENCIES)),
    Field("categories", _("list of codes (separated by ; in CSV)"), _("What kind of incident it was."), _coded(CATEGORIES)),
    Field("outcome", _("code, or empty"), _("The result of the investigation, once it is finished."), _coded(OUTCOMES)),
    Field("summary", _("text"), _("The public summary the city wrote for release.")),
    Field("published_at", _("date and time (ISO 8601)"), _("When the city made the incident public.")),
    Field("location_precision", _("code"), _("How precise the map position is."), _coded(PUBLIC_LOCATION_PRECISIONS)),
    Field("latitude", _("number, or empty"), _("Where, in degrees north (WGS 84), to the precision above.")),
    Field("longitude", _("number, or empty"), _("Where, in degrees east (WGS 84), to the precision above.")),
    Field("agent_count", _("whole number, or empty"), _("How many federal agents were there, when known.")),
    Field("agents_masked", _("yes or no"), _("Whether the agents were masked."), YES_NO),
    Field("agents_identified", _("yes or no"), _("Whether the agents identified themselves (no means the record says they did not)."), YES_NO),
    Field("warrant_shown", _("code"), _("What warrant the agents showed."), _coded(WARRANT_TYPES)),
    Field("vehicle_plates_seen", _("yes or no"), _("Whether licence plates were seen and recorded on the agents' vehicles. The plate numbers are not published."), YES_NO),
    Field("file_count", _("whole number (CSV only)"), _("How many files were released.")),
    Field("files", _("list (JSON, GeoJSON and API only)"), _("The released files, each with the fields below.")),
)

FILE_FIELDS = (
    Field("files[].id", _("whole number"), _("The released file's number.")),
    Field("files[].filename", _("text"), _("The file's name, as it downloads.")),
    Field("files[].url", _("address (URL)"), _("Where to download the file.")),
    Field("files[].manifest_url", _("address (URL)"), _("The file's record, signed by the city.")),
    Field("files[].sha256", _("64 letters and numbers"), _("The file's SHA-256 fingerprint, to check a copy.")),
    Field("files[].size", _("whole number"), _("The file's size in bytes.")),
    Field("files[].published_at", _("date and time (ISO 8601)"), _("When the file was released.")),
    Field("files[].redactions", _("list of sentences"), _("What was hidden in the file and why, in plain words.")),
)


def defined_names() -> set[str]:
    return {f.name for f in INCIDENT_FIELDS + FILE_FIELDS}
