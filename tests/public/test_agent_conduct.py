"""What the agents did (masked, identified, warrant, how many, plates seen) is public: on the
incident page, in every download, the API and the feed, defined in the data dictionary and
counted on the statistics page."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.public.conftest import make_canary_incident, released_per_module

pytestmark = pytest.mark.django_db


def make_released(staff):
    return {
        "masked": make_canary_incident(staff, tag="a1", publish=True, agencies=["ice_ero"], agent_count=6, agents_masked=True,
                                       agents_unidentified=True, warrant_shown="none", days_ago=20),
        "open": make_canary_incident(staff, tag="a2", publish=True, agencies=["ice_ero", "fbi"], agent_count=None,
                                     agents_masked=False, agents_unidentified=False, warrant_shown="judicial",
                                     vehicle_plates="", days_ago=15),
    }


# Every test here reads the same released incidents.
_released_once, released = released_per_module(make_released)


def streamed(response) -> str:
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def test_the_incident_page_says_what_the_agents_did(client, released):
    page = client.get(f"/incidents/{released['masked'].reference}/").content.decode()
    assert "What the agents did" in page
    assert "Yes, agents were masked." in page
    assert "No, they did not identify themselves." in page
    assert "No warrant shown" in page
    assert "Plates were seen and recorded (the numbers are not published)." in page
    other = client.get(f"/incidents/{released['open'].reference}/").content.decode()
    assert "Judicial warrant (signed by a judge)" in other and "No plate was recorded." in other


def test_the_incident_page_says_it_in_spanish(client, released):
    page = client.get(f"/incidents/{released['masked'].reference}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Lo que hicieron los agentes" in page and "Sí, los agentes llevaban la cara cubierta." in page


def test_every_download_the_api_and_the_feed_carry_the_fields(client, released):
    masked = released["masked"].reference
    as_json = {r["reference"]: r for r in json.loads(streamed(client.get("/open-data/incidents.json")))["incidents"]}
    as_csv = {r["reference"]: r for r in csv.DictReader(io.StringIO(streamed(client.get("/open-data/incidents.csv"))))}
    geojson = {f["id"]: f["properties"] for f in json.loads(streamed(client.get("/open-data/incidents.geojson")))["features"]}
    api = client.get(f"/api/public/incidents/{masked}/").json()
    expected = {"agent_count": 6, "agents_masked": True, "agents_identified": False, "warrant_shown": "none", "vehicle_plates_seen": True}
    for record in (as_json[masked], geojson[masked], api):
        assert {k: record[k] for k in expected} == expected
    assert {k: as_csv[masked][k] for k in expected} == {
        "agent_count": "6", "agents_masked": "yes", "agents_identified": "no", "warrant_shown": "none", "vehicle_plates_seen": "yes"
    }
    assert as_json[released["open"].reference]["agent_count"] is None
    assert as_csv[released["open"].reference]["vehicle_plates_seen"] == "no"
    feed = client.get("/feeds/releases.atom").content.decode()
    assert "Masked: yes" in feed and "Warrant shown: No warrant shown" in feed


def test_the_data_dictionary_defines_every_field_and_its_values(client, released):
    from public.dictionary import defined_names
    from public.records import CSV_COLUMNS

    record = json.loads(streamed(client.get("/open-data/incidents.json")))["incidents"][0]
    names = defined_names()
    assert set(record) | set(CSV_COLUMNS) <= names
    page = client.get("/open-data/dictionary/").content.decode()
    for name in names:
        assert f"<code>{name}</code>" in page, name
    for code in ("ice_ero", "use_of_force", "administrative", "referred_da", "neighbourhood"):
        assert f"<code>{code}</code>" in page
    assert "/open-data/dictionary/" in client.get("/open-data/").content.decode()


def test_the_statistics_give_the_masked_share_by_agency_and_month(client, released):
    from public.statistics import chart_by_id

    by_agency = {row[0]: row[1:] for row in chart_by_id("masked-by-agency").rows}
    assert by_agency["ICE Enforcement and Removal Operations (ERO)"] == (2, 1, 50)
    assert by_agency["Federal Bureau of Investigation (FBI)"] == (1, 0, 0)
    assert sum(row[1] for row in chart_by_id("masked-by-month").rows) == 2
    assert sum(row[2] for row in chart_by_id("masked-by-month").rows) == 1
    page = client.get("/statistics/").content.decode()
    assert "Incidents with masked agents, by agency" in page and "50%" in page


def test_each_chart_downloads_as_csv_with_the_numbers_of_its_table(client, released):
    from public.statistics import all_charts

    page = client.get("/statistics/").content.decode()
    for chart in all_charts():
        assert f"/statistics/{chart.id}.csv" in page
        response = client.get(f"/statistics/{chart.id}.csv")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert tuple(rows[0]) == chart.columns
        assert [tuple(r) for r in rows[1:]] == [tuple(str(c) for c in r) for r in chart.rows]
    assert client.get("/statistics/no-such-chart.csv").status_code == 404
