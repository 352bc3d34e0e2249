"""The fixed lists an incident is described with.

Each list is the single source of its values and labels: the model's choices, the forms, the API,
the CSV export and the public site all read them from here, so a new agency or neighbourhood is
added in one place.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

AGENCIES: list[tuple[str, str]] = [
    ("ice_ero", "ICE Enforcement and Removal Operations (ERO)"),
    ("ice_hsi", "ICE Homeland Security Investigations (HSI)"),
    ("cbp", "U.S. Customs and Border Protection (CBP)"),
    ("border_patrol", "U.S. Border Patrol"),
    ("fbi", "Federal Bureau of Investigation (FBI)"),
    ("dea", "Drug Enforcement Administration (DEA)"),
    ("atf", "Bureau of Alcohol, Tobacco, Firearms and Explosives (ATF)"),
    ("us_marshals", "U.S. Marshals Service"),
    ("fps", "Federal Protective Service (FPS)"),
    ("national_guard", "National Guard"),
    ("unknown_federal", "Unknown federal agency"),
]

CATEGORIES: list[tuple[str, str]] = [
    ("use_of_force", "Use of force"),
    ("property_damage", "Property damage"),
    ("attempted_warrantless_entry", "Attempted warrantless entry to a home or business"),
    ("arrest_or_detention", "Arrest or detention"),
    ("courthouse_detention", "Courthouse detention"),
    ("vehicle_stop", "Vehicle stop"),
    ("alleged_profiling", "Alleged profiling"),
    ("interference_with_police", "Interference with city police"),
    ("other", "Other"),
]

SENSITIVE_LOCATIONS: list[tuple[str, str]] = [
    ("none", "Not a sensitive location"),
    ("courthouse", "Courthouse"),
    ("school", "School"),
    ("hospital", "Hospital or clinic"),
    ("place_of_worship", "Place of worship"),
    ("shelter", "Shelter"),
    ("other", "Other sensitive location"),
]

WARRANT_TYPES: list[tuple[str, str]] = [
    ("judicial", "Judicial warrant (signed by a judge)"),
    ("administrative", "Administrative warrant (signed by an agency officer)"),
    ("none", "No warrant shown"),
    ("unknown", "Unknown"),
]

SOURCES: list[tuple[str, str]] = [
    ("911_call", "911 call"),
    ("311", "311"),
    ("officer_on_scene", "Officer on scene"),
    ("resident_report", "Resident report"),
    ("media", "Media"),
    ("other_agency", "Other agency"),
    ("other", "Other"),
]

OUTCOMES: list[tuple[str, str]] = [
    ("sustained", "Sustained"),
    ("not_sustained", "Not sustained"),
    ("unfounded", "Unfounded"),
    ("referred_da", "Referred to the District Attorney"),
    ("referred_ag", "Referred to the Attorney General"),
    ("other", "Other"),
]

PERSON_ROLES: list[tuple[str, str]] = [
    ("subject", "Subject"),
    ("witness", "Witness"),
    ("complainant", "Complainant"),
    ("victim", "Victim"),
    ("other", "Other"),
]

PUBLIC_LOCATION_PRECISIONS: list[tuple[str, str]] = [
    ("block", "Block (about 100 m)"),
    ("neighbourhood", "Neighbourhood centre"),
    ("exact", "Exact location as recorded"),
]


class Neighbourhood(NamedTuple):
    key: str
    label: str
    latitude: Decimal
    longitude: Decimal


# The city is invented; the centroids are approximate and only used to place an incident on the
# public map when it is published at neighbourhood precision.
_NEIGHBOURHOOD_ROWS = [
    ("riverside", "Riverside", "41.5012", "-81.7080"),
    ("old_market", "Old Market", "41.4995", "-81.6920"),
    ("harbor_point", "Harbor Point", "41.5150", "-81.6990"),
    ("university_heights", "University Heights", "41.5060", "-81.6080"),
    ("east_fairview", "East Fairview", "41.5200", "-81.6300"),
    ("west_fairview", "West Fairview", "41.4780", "-81.7420"),
    ("mill_creek", "Mill Creek", "41.4420", "-81.6600"),
    ("cedar_park", "Cedar Park", "41.4870", "-81.6150"),
    ("lakeview", "Lakeview", "41.5350", "-81.6500"),
    ("south_hills", "South Hills", "41.4250", "-81.7000"),
    ("union_square", "Union Square", "41.4930", "-81.6800"),
    ("brookside", "Brookside", "41.4500", "-81.7300"),
    ("ironworks", "Ironworks", "41.4700", "-81.6800"),
    ("maple_grove", "Maple Grove", "41.4620", "-81.6000"),
    ("northgate", "Northgate", "41.5450", "-81.6100"),
    ("st_clair", "St. Clair", "41.5280", "-81.6700"),
]

NEIGHBOURHOODS: list[Neighbourhood] = [
    Neighbourhood(key, label, Decimal(lat), Decimal(lon)) for key, label, lat, lon in _NEIGHBOURHOOD_ROWS
]
NEIGHBOURHOOD_CHOICES: list[tuple[str, str]] = [(n.key, n.label) for n in NEIGHBOURHOODS]
NEIGHBOURHOODS_BY_KEY: dict[str, Neighbourhood] = {n.key: n for n in NEIGHBOURHOODS}

# (min_lat, min_lon, max_lat, max_lon): a box a little wider than the neighbourhoods' centroids.
CITY_BOUNDS: tuple[Decimal, Decimal, Decimal, Decimal] = (
    Decimal("41.3900"),
    Decimal("-81.8000"),
    Decimal("41.6000"),
    Decimal("-81.5500"),
)


def is_inside_city(latitude: Decimal, longitude: Decimal) -> bool:
    min_lat, min_lon, max_lat, max_lon = CITY_BOUNDS
    return min_lat <= latitude <= max_lat and min_lon <= longitude <= max_lon


def labels_for(choices: list[tuple[str, str]], keys) -> list[str]:
    lookup = dict(choices)
    return [lookup.get(key, key) for key in keys]
