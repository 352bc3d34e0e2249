"""The server keeps each public page a CDN could keep, answers it again before the rest of the
middleware, and never serves it after something public changed through the writers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core.cache import cache

from incidents.workflow import unpublish_incident
from public.caching import never_shared, recent_pages
from releases.workflow import apply_release_transition
from tests.personas import sign_in_verified
from tests.public.conftest import make_canary_incident

pytestmark = pytest.mark.django_db

PAGES = ["/incidents/", "/api/public/incidents/", "/"]


@pytest.fixture(autouse=True)
def empty_page_cache():
    cache.clear()
    recent_pages.clear()
    never_shared.clear()


def pages(client, *urls):
    return {url: client.get(url) for url in urls}


def test_a_cached_page_is_byte_identical_to_a_fresh_one(client, staff, django_assert_num_queries):
    incident = make_canary_incident(staff, tag="p1", publish=True)
    urls = PAGES + [f"/incidents/{incident.reference}/", f"/api/public/incidents/{incident.reference}/"]
    fresh = pages(client, *urls)
    with django_assert_num_queries(0):
        cached = pages(client, *urls)
    for url in urls:
        assert cached[url].status_code == 200, url
        assert cached[url].content == fresh[url].content, url
        assert dict(cached[url].items()) == dict(fresh[url].items()), url


def test_a_cached_page_still_answers_a_conditional_get_with_304(client, staff):
    make_canary_incident(staff, tag="p2", publish=True)
    first = client.get("/incidents/")
    client.get("/incidents/")
    again = client.get("/incidents/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"] and again["Vary"] == "Accept-Language"
    assert set(again["Cache-Control"].split(", ")) == {"public", "max-age=0", "s-maxage=300"}


def test_the_cached_list_incident_page_and_api_show_a_publish_and_a_withdrawal_at_once(client, staff):
    first = make_canary_incident(staff, tag="p3", publish=True)
    pages(client, *PAGES)
    second = make_canary_incident(staff, tag="p4", publish=True)
    detail = [f"/incidents/{second.reference}/", f"/api/public/incidents/{second.reference}/"]
    after_publish = pages(client, *PAGES, *detail)
    for url in PAGES + detail:
        assert second.reference in after_publish[url].content.decode(), url

    unpublish_incident(second, actor=staff.release_officer, reason="Too early.")
    after_withdrawal = pages(client, *PAGES, *detail)
    for url in PAGES:
        assert second.reference not in after_withdrawal[url].content.decode(), url
        assert first.reference in after_withdrawal[url].content.decode(), url
    for url in detail:
        assert after_withdrawal[url].status_code == 404, url


def test_the_cached_incident_page_shows_a_withholding_decision_at_once(client, staff, signing_key):
    from tests.factories.releases import make_release_in_review, make_video_footage

    incident = make_canary_incident(staff, tag="p5", publish=True)
    footage = make_video_footage(incident=incident, uploaded_by=staff.investigator)
    release = make_release_in_review(footage=footage, requested_by=staff.investigator)
    url = f"/incidents/{incident.reference}/"
    assert "withheld" not in client.get(url).content.decode()
    apply_release_transition(release, "withhold", actor=staff.release_officer, ground="ongoing_investigation",
                             reason="Grand jury.", review_on=(date.today() + timedelta(days=17)).isoformat())
    assert "A video exists but was withheld." in client.get(url).content.decode()


def test_a_page_rendered_for_a_signed_in_visitor_is_never_stored(client, staff, make_user):
    from portal.roles import Role

    make_canary_incident(staff, tag="p6", publish=True)
    sign_in_verified(client, make_user(Role.AUDITOR))
    client.get("/incidents/")
    assert not recent_pages.pages
    client.get("/incidents/")
    assert not recent_pages.pages


def test_a_page_chosen_by_the_language_cookie_is_never_stored(client, staff):
    make_canary_incident(staff, tag="p7", publish=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    assert "Incidentes publicados" in client.get("/incidents/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert not recent_pages.pages
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert "Incidentes publicados" not in client.get("/incidents/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_each_language_is_kept_apart(client, staff):
    make_canary_incident(staff, tag="p8", publish=True)
    for _ in range(2):
        assert "Incidentes publicados" in client.get("/incidents/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
        assert "Incidentes publicados" not in client.get("/incidents/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_an_answer_that_cannot_be_shared_is_not_looked_up_in_the_cache_again(client, monkeypatch):
    from public import data_version

    assert client.get("/robots.txt").status_code == 200
    read = []
    real_get_many = cache.get_many
    monkeypatch.setattr(data_version.cache, "get_many", lambda keys, *a, **k: read.extend(keys) or real_get_many(keys, *a, **k))
    for _ in range(2):
        assert "Disallow: /staff/" in client.get("/robots.txt").content.decode()
    assert read == []


def test_a_page_that_could_not_be_shared_before_is_kept_once_it_can(client, staff):
    incident = make_canary_incident(staff, tag="p9", publish=False, summary="Agents stopped a car near the park.")
    url = f"/incidents/{incident.reference}/"
    assert client.get(url).status_code == 404
    from incidents.workflow import publish_incident

    publish_incident(incident, actor=staff.release_officer)
    assert client.get(url).status_code == 200
    assert [key for key in recent_pages.pages if not never_shared.get(key)]
