"""Search finds what people type: agency names and abbreviations, types of incident,
neighbourhoods and the public summary, in the page's language, combined with the filters."""

from __future__ import annotations

import pytest

from tests.public.conftest import make_canary_incident, released_per_module

pytestmark = pytest.mark.django_db


def make_released(staff):
    return {
        "ero": make_canary_incident(staff, tag="s1", publish=True, neighbourhood="old_market", agencies=["ice_ero"],
                                    categories=["arrest_or_detention"], summary="Agents detained a man outside the bakery."),
        "hsi": make_canary_incident(staff, tag="s2", publish=True, neighbourhood="riverside", agencies=["ice_hsi", "fbi"],
                                    categories=["property_damage"], summary="A door was broken during a search."),
        "fbi": make_canary_incident(staff, tag="s3", publish=True, neighbourhood="riverside", agencies=["fbi"],
                                    categories=["vehicle_stop", "use_of_force"],
                                    summary="City police watched as agents stopped a car; the officers stayed."),
    }


# Every test here reads the same released incidents.
_released_once, released = released_per_module(make_released)


def found(client, q, **filters) -> set[str]:
    page = client.get("/api/public/incidents/", {"q": q, **filters})
    assert page.status_code == 200
    return {r["reference"] for r in page.json()["results"]}


def test_it_finds_every_ice_incident_by_the_abbreviation_and_not_the_word_police(client, released):
    assert found(client, "ICE") == {released["ero"].reference, released["hsi"].reference}
    page = client.get("/incidents/", {"q": "ice"}).content.decode()
    assert released["ero"].reference in page and released["hsi"].reference in page
    assert released["fbi"].reference not in page


def test_it_finds_agencies_by_name_and_by_their_parts(client, released):
    assert found(client, "Homeland Security Investigations") == {released["hsi"].reference}
    assert found(client, "HSI") == {released["hsi"].reference}
    assert found(client, "FBI") == {released["hsi"].reference, released["fbi"].reference}
    assert found(client, "Federal Bureau") == {released["hsi"].reference, released["fbi"].reference}


def test_it_finds_types_of_incident_neighbourhoods_and_summary_words(client, released):
    assert found(client, "vehicle") == {released["fbi"].reference}
    assert found(client, "Old Market") == {released["ero"].reference}
    assert found(client, "bakery") == {released["ero"].reference}
    assert found(client, released["hsi"].reference.lower()) == {released["hsi"].reference}


def test_it_finds_types_of_incident_in_the_pages_language(client, released):
    spanish = client.get("/api/public/incidents/", {"q": "fuerza"}, HTTP_ACCEPT_LANGUAGE="es").json()
    assert {r["reference"] for r in spanish["results"]} == {released["fbi"].reference}
    accents_left_out = client.get("/api/public/incidents/", {"q": "vehiculo"}, HTTP_ACCEPT_LANGUAGE="es").json()
    assert {r["reference"] for r in accents_left_out["results"]} == {released["fbi"].reference}


def test_search_and_filters_combine(client, released):
    assert found(client, "ICE", neighbourhood="riverside") == {released["hsi"].reference}
    assert found(client, "FBI", category="vehicle_stop") == {released["fbi"].reference}
    assert found(client, "ICE", agency="fbi") == {released["hsi"].reference}
    assert found(client, "ICE bakery") == {released["ero"].reference}


def test_the_results_say_how_they_were_sorted(client, released):
    default = client.get("/incidents/", {"q": "ICE"}).content.decode()
    assert "Sorted by: Newest release first." in default
    assert "Searched for: ICE." in default
    by_place = client.get("/incidents/", {"sort": "oldest"}).content.decode()
    assert "Sorted by: Oldest incident first." in by_place
