"""Who may list, watch and download footage: nobody without access to the incident, on any page
or endpoint; anonymous callers get nothing at all."""

from __future__ import annotations

import pytest

from footage.access import get_visible_footage, visible_footage
from footage.models import CustodyAction
from portal.models import AuditEvent
from tests.factories.footage import make_footage
from tests.personas import sign_in_verified
from tests.footage.footage_per_module import _footage_of_the_module, item  # noqa: F401 (made once for the module)
from tests.people_per_module import people  # noqa: F401 (made once for the module)

pytestmark = pytest.mark.django_db


def staff_urls(item) -> list[str]:
    base = f"/staff/footage/{item.pk}"
    return [f"{base}/", f"{base}/jobs/", f"{base}/stream/", f"{base}/poster.jpg", f"{base}/strip.jpg",
            f"{base}/original/", f"{base}/custody.pdf", f"{base}/custody.csv"]


def api_urls(item) -> list[str]:
    return [f"/api/incidents/{item.incident_id}/footage/", f"/api/footage/{item.pk}/", f"/api/footage/{item.pk}/original/",
            f"/api/footage/{item.pk}/custody/"]


@pytest.mark.parametrize("who", ["other_reporter", "other_investigator", "admin"])
def test_people_without_access_to_the_incident_get_404_everywhere(people, item, client, api_client, who):
    user = getattr(people, who)
    sign_in_verified(client, user)
    api = api_client(user)

    for url in staff_urls(item):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/staff/footage/{item.pk}/verify/").status_code == 404
    for url in api_urls(item):
        assert api.get(url).status_code == 404, url
    assert api.post(f"/api/footage/{item.pk}/verify/").status_code == 404
    assert not visible_footage(user).exists()
    assert client.get("/staff/footage/").context["items"].count() == 0
    assert item.custody_events.exclude(action__in=[CustodyAction.INGESTED, CustodyAction.HASH_COMPUTED, CustodyAction.DERIVED]).count() == 0


def test_anonymous_callers_get_nothing(item, client):
    for url in staff_urls(item):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    for url in api_urls(item):
        assert client.get(url).status_code in (401, 403), url
    assert client.post(f"/api/footage/{item.pk}/verify/").status_code in (401, 403)
    assert not visible_footage(None).exists()


@pytest.fixture
def released(people, item):
    """The item with a release asked for by the supervisor, so release officers work on it."""
    from releases.workflow import request_release

    request_release(item, actor=people.supervisor)
    return item


@pytest.mark.parametrize("who", ["reporter", "investigator", "supervisor", "auditor", "release_officer"])
def test_everyone_with_access_to_the_incident_may_list_and_watch_its_footage(people, item, client, api_client, who, request):
    if who == "release_officer":
        request.getfixturevalue("released")
    user = getattr(people, who)
    sign_in_verified(client, user)

    assert get_visible_footage(user, item.pk) == item
    assert [f["id"] for f in api_client(user).get(f"/api/incidents/{item.incident_id}/footage/").json()["results"]] == [item.pk]
    assert client.get(f"/staff/footage/{item.pk}/").status_code == 200
    assert client.get(f"/staff/footage/{item.pk}/stream/", HTTP_RANGE="bytes=0-9").status_code == 206


@pytest.mark.parametrize("who", ["reporter", "release_officer"])
def test_those_who_watch_but_do_not_investigate_cannot_download_originals_and_the_attempt_is_audited(people, item, client, api_client, who, request):
    if who == "release_officer":
        request.getfixturevalue("released")
    user = getattr(people, who)
    sign_in_verified(client, user)

    assert client.get(f"/staff/footage/{item.pk}/original/").status_code == 403
    assert api_client(user).get(f"/api/footage/{item.pk}/original/").status_code == 403
    assert api_client(user).post(f"/api/footage/{item.pk}/verify/").status_code == 403
    assert AuditEvent.objects.filter(action="footage.download_refused", outcome="refused", actor=user).count() == 2
    assert not item.custody_events.filter(action=CustodyAction.DOWNLOADED).exists()


@pytest.mark.parametrize("who", ["investigator", "supervisor", "auditor"])
def test_investigators_supervisors_and_auditors_may_download_the_original(people, item, api_client, who):
    response = api_client(getattr(people, who)).get(f"/api/footage/{item.pk}/original/")

    assert response.status_code == 200
    assert response["X-Content-SHA256"] == item.sha256


def test_the_api_custody_log_lists_entries_with_their_hashes(people, item, api_client):
    log = api_client(people.auditor).get(f"/api/footage/{item.pk}/custody/").json()

    assert [e["action"] for e in log][:2] == ["ingested", "hash_computed"]
    assert all(len(e["hash"]) == 64 for e in log)


def test_footage_endpoints_are_in_the_openapi_schema(people, api_client):
    schema = api_client(people.auditor).get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()

    for path in ["/api/incidents/{incident_id}/footage/", "/api/footage/{id}/", "/api/footage/{id}/original/",
                 "/api/footage/{id}/custody/", "/api/footage/{id}/verify/"]:
        assert path in schema, path


def test_a_bad_id_is_a_404_not_a_500(people, client):
    sign_in_verified(client, people.investigator)

    assert client.get("/api/footage/999999/").status_code in (401, 404)
    assert client.get("/staff/footage/999999/").status_code == 404
    assert client.get("/staff/footage/?incident=abc").status_code == 404


def test_a_release_officer_sees_only_footage_asked_for_release(people, item, client, api_client):
    other = make_footage(incident=item.incident, uploaded_by=people.reporter, seconds=1, size=(320, 180))
    sign_in_verified(client, people.release_officer)
    api = api_client(people.release_officer)
    for footage in (item, other):
        assert client.get(f"/staff/footage/{footage.pk}/").status_code == 404
        assert api.get(f"/api/footage/{footage.pk}/").status_code == 404
    from releases.workflow import request_release

    request_release(item, actor=people.supervisor)
    assert client.get(f"/staff/footage/{item.pk}/").status_code == 200
    assert client.get(f"/staff/footage/{other.pk}/").status_code == 404
    assert list(visible_footage(people.release_officer)) == [item]

