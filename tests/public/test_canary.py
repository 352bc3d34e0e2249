"""Nothing private and nothing unreleased reaches any public response.

Incidents are filled with canary strings in every private field (people, narrative, address,
exact coordinates, badges, plates, report number, notes, findings, staff names); some are
published, some not. Every public page, download, feed and API answer is fetched, in English
and Spanish, and searched for the canaries and for the unreleased incidents' references."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories.accounts import ensure_role_groups, make_user
from tests.module_data import copy_for_a_test, made_once
from tests.public.conftest import EXACT_LATITUDE, EXACT_LONGITUDE, make_canary_incident, make_staff, release_footage

pytestmark = pytest.mark.django_db

FORBIDDEN = [
    "canary",  # every private field and every staff name and username carries it
    "555-0199",
    str(EXACT_LATITUDE),
    str(EXACT_LONGITUDE),
    "487654",
    "654321",
    "UNRELEASED",
]


@pytest.fixture(scope="module")
def _world_once(django_db_setup, django_db_blocker):
    """Every test here starts from the same staff and incidents: made once for the module
    (tests/module_data.py)."""

    def build():
        ensure_role_groups()
        staff = make_staff(make_user)
        return staff, make_world(staff)

    yield from made_once(django_db_blocker, build)


@pytest.fixture
def _world_data(_world_once, db):
    return copy_for_a_test(_world_once)


@pytest.fixture
def staff(_world_data):
    return _world_data[0]


@pytest.fixture
def world(_world_data):
    return _world_data[1]


def make_world(staff):
    released = [
        make_canary_incident(staff, tag="pub1", publish=True, state="closed", days_ago=40),
        make_canary_incident(staff, tag="pub2", publish=True, precision="neighbourhood", days_ago=20),
        make_canary_incident(staff, tag="pub3", publish=True, precision="block", days_ago=5),
    ]
    unreleased = [
        make_canary_incident(staff, tag="hid1", publish=False, summary="UNRELEASED summary written but not published"),
        make_canary_incident(staff, tag="hid2", publish=False, state="closed"),
        make_canary_incident(staff, tag="hid3", publish=False, state="submitted"),
    ]
    from incidents.workflow import publish_incident, unpublish_incident

    withdrawn = make_canary_incident(staff, tag="wd1", publish=False, summary="UNRELEASED summary of a withdrawn incident")
    withdrawn = publish_incident(withdrawn, actor=staff.release_officer)
    withdrawn = unpublish_incident(withdrawn, actor=staff.release_officer, reason="Published by mistake.")
    unreleased.append(withdrawn)
    return released, unreleased


def public_urls(released) -> list[str]:
    urls = [
        "/",
        "/incidents/",
        "/incidents/?q=park",
        "/incidents/?q=Secret",
        "/incidents/?neighbourhood=old_market&agency=ice_ero&category=arrest_or_detention&has_footage=no&sort=oldest",
        "/incidents/?date_from=2020-01-01&date_to=2030-01-01",
        "/incidents/?date_from=not-a-date",
        "/statistics/",
        "/open-data/",
        "/open-data/incidents.csv",
        "/open-data/incidents.json",
        "/open-data/incidents.geojson",
        "/api/public/incidents/",
        "/api/public/incidents/?q=park&sort=newest",
        "/api/public/incidents/?date_from=bad",
        "/feeds/releases.atom",
        "/sitemap.xml",
        "/your-rights/",
        "/verify/",
        "/api/schema/",
        "/no-such-page/",
    ]
    for incident in released:
        urls += [f"/incidents/{incident.reference}/", f"/api/public/incidents/{incident.reference}/"]
    return urls


def body_of(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.mark.parametrize("language", ["en", "es"])
def test_no_public_response_carries_a_private_field_or_an_unreleased_incident(world, language):
    released, unreleased = world
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    checked = 0
    for url in public_urls(released):
        response = client.get(url)
        assert response.status_code in (200, 400, 404), (url, response.status_code)
        text = body_of(response)
        lowered = text.lower()
        for needle in FORBIDDEN:
            assert needle.lower() not in lowered, f"{needle!r} leaked on {url}"
        for incident in unreleased:
            assert incident.reference not in text, f"unreleased {incident.reference} appears on {url}"
        checked += 1
    assert checked == len(public_urls(released))


def test_every_released_incident_is_reachable_and_no_unreleased_one_is(world, client):
    released, unreleased = world
    listing = client.get("/incidents/").content.decode()
    for incident in released:
        assert incident.reference in listing
        assert client.get(f"/incidents/{incident.reference}/").status_code == 200
    for incident in unreleased:
        assert client.get(f"/incidents/{incident.reference}/").status_code == 404
        assert client.get(f"/api/public/incidents/{incident.reference}/").status_code == 404


def test_a_staff_token_sees_nothing_more_in_the_public_api(world, api_client, staff):
    released, _ = world
    as_staff = api_client(staff.supervisor).get("/api/public/incidents/").json()
    anonymous = api_client().get("/api/public/incidents/").json()
    assert as_staff == anonymous
    assert {r["reference"] for r in anonymous["results"]} == {i.reference for i in released}


def test_search_never_matches_private_text(world, client):
    released, _ = world
    for word in ("Secret", "witness", "PR-pub1", "Canaryreporterfirst"):
        page = client.get("/incidents/", {"q": word}).content.decode()
        assert not any(i.reference in page for i in released), word
        api = client.get("/api/public/incidents/", {"q": word}).json()
        assert api["count"] == 0, word


@pytest.fixture
def world_with_files(world, staff, signing_key, second_officer):
    released, unreleased = world
    published = release_footage(released[2], staff, approver=second_officer)
    in_review = release_footage(released[1], staff, approver=second_officer, publish=False)
    return released, unreleased, published, in_review


def test_released_files_pages_and_feeds_carry_no_canary_and_no_unpublished_file(world_with_files, client):
    released, unreleased, published, in_review = world_with_files
    from releases.publication import public_file_name

    urls = public_urls(released) + ["/verify/", f"/verify/?release={published.pk}", "/incidents/?has_footage=yes"]
    for url in urls:
        response = client.get(url)
        text = body_of(response).lower()
        for needle in FORBIDDEN:
            assert needle.lower() not in text, f"{needle!r} leaked on {url}"
        if in_review.release_sha256 != published.release_sha256:  # the same test clip may render identically
            assert in_review.release_sha256 not in text, url
        assert public_file_name(in_review).lower() not in text, url
    assert published.release_sha256 in client.get(f"/incidents/{released[2].reference}/").content.decode()
    assert client.get(f"/files/{published.pk}/{public_file_name(published)}").status_code == 200
    assert client.get(f"/files/{in_review.pk}/{public_file_name(in_review)}").status_code == 404
    assert client.get(f"/releases/{in_review.pk}/manifest.json").status_code == 404


def test_a_published_manifest_names_no_staff_member(world_with_files, client):
    _, _, published, _ = world_with_files
    manifest = client.get(f"/releases/{published.pk}/manifest.json").content.decode().lower()
    assert "canary" not in manifest
