"""Open data says what the pages say, and every way of asking (page, API, download) filters alike."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.utils import formats, timezone

from tests.public.conftest import make_canary_incident, released_per_module

pytestmark = pytest.mark.django_db


def make_released(staff):
    return [
        make_canary_incident(staff, tag="o1", publish=True, state="closed", days_ago=50, neighbourhood="old_market",
                             agencies=["ice_ero", "cbp"], categories=["use_of_force", "property_damage"],
                             summary="Agents broke a shop window, said \"stop\", and left; nobody was arrested."),
        make_canary_incident(staff, tag="o2", publish=True, days_ago=8, neighbourhood="riverside", agencies=["fbi"],
                             categories=["vehicle_stop"], precision="neighbourhood", summary="Agents stopped a van."),
    ]


# Every test here reads the same released incidents.
_released_once, released = released_per_module(make_released)


def streamed(response) -> str:
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def test_csv_json_and_geojson_hold_the_same_records(client, released):
    as_json = json.loads(streamed(client.get("/open-data/incidents.json")))["incidents"]
    as_csv = list(csv.DictReader(io.StringIO(streamed(client.get("/open-data/incidents.csv")))))
    as_geojson = json.loads(streamed(client.get("/open-data/incidents.geojson")))
    assert [r["reference"] for r in as_json] == [r["reference"] for r in as_csv] == [f["id"] for f in as_geojson["features"]]
    assert sorted(r["reference"] for r in as_json) == sorted(i.reference for i in released)
    for record, row, feature in zip(as_json, as_csv, as_geojson["features"]):
        assert row["summary"] == record["summary"]
        assert row["agencies"].split(";") == record["agencies"]
        assert row["categories"].split(";") == record["categories"]
        assert float(row["latitude"]) == record["latitude"] == feature["geometry"]["coordinates"][1]
        assert float(row["longitude"]) == record["longitude"] == feature["geometry"]["coordinates"][0]
        assert row["occurred_start"] == record["occurred_start"] == feature["properties"]["occurred_start"]
        assert feature["properties"]["summary"] == record["summary"]


def test_the_downloads_say_what_the_incident_pages_say(client, released):
    records = json.loads(streamed(client.get("/open-data/incidents.json")))["incidents"]
    for record in records:
        page = client.get(f"/incidents/{record['reference']}/").content.decode()
        from django.utils.html import escape

        assert escape(record["summary"]) in page
        assert record["neighbourhood_label"] in page
        occurred = timezone.localtime(timezone.datetime.fromisoformat(record["occurred_start"]))
        assert formats.date_format(occurred, "DATETIME_FORMAT") in page
        api = client.get(f"/api/public/incidents/{record['reference']}/").json()
        assert api == record


def test_the_api_list_and_the_downloads_agree(client, released):
    api = client.get("/api/public/incidents/?sort=oldest").json()
    records = {r["reference"]: r for r in json.loads(streamed(client.get("/open-data/incidents.json")))["incidents"]}
    assert api["count"] == 2
    for result in api["results"]:
        assert result == records[result["reference"]]


def test_the_api_filters_like_the_list_page(client, released):
    old_market, riverside = released
    assert [r["reference"] for r in client.get("/api/public/incidents/?agency=cbp").json()["results"]] == [old_market.reference]
    assert [r["reference"] for r in client.get("/api/public/incidents/?category=vehicle_stop").json()["results"]] == [riverside.reference]
    assert client.get("/api/public/incidents/?has_footage=yes").json()["count"] == 0
    assert client.get("/api/public/incidents/?has_footage=no").json()["count"] == 2
    page = client.get("/incidents/?agency=cbp").content.decode()
    assert old_market.reference in page and riverside.reference not in page


def test_the_api_answers_bad_filters_with_400_and_field_errors(client, released):
    response = client.get("/api/public/incidents/?date_from=yesterday&agency=cia")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"date_from", "agency"}


def test_outcome_is_public_only_once_closed(client, released):
    closed, open_case = released
    assert client.get(f"/api/public/incidents/{closed.reference}/").json()["outcome"] == "sustained"
    assert client.get(f"/api/public/incidents/{open_case.reference}/").json()["outcome"] is None


def test_the_feed_lists_released_incidents(client, released):
    feed = client.get("/feeds/releases.atom")
    assert feed["Content-Type"].startswith("application/atom+xml")
    body = feed.content.decode()
    for incident in released:
        assert incident.reference in body


def test_the_public_api_is_in_the_openapi_schema(client):
    schema = client.get("/api/schema/?format=json").json()
    assert "/api/public/incidents/" in schema["paths"]
    assert "/api/public/incidents/{reference}/" in schema["paths"]
    assert schema["paths"]["/api/public/incidents/"]["get"].get("security") in (None, [], [{}])
