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
from tests.public.staff_per_module import _staff_of_the_module, staff  # noqa: F401 (made once for the module)

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


@pytest.fixture
def front():
    """The deployed WSGI application: PublicPageFront before Django's handler. Like the test
    client, it leaves the test's database connection open between requests."""
    from django.core import signals
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import close_old_connections

    from public.caching import PublicPageFront

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield PublicPageFront(WSGIHandler())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def wsgi_get(application, url, **headers):
    from urllib.parse import unquote_to_bytes, urlsplit

    from django.test import RequestFactory

    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer.update(status=status, headers=response_headers)

    environ = RequestFactory().get(url, **headers).environ
    environ["PATH_INFO"] = unquote_to_bytes(urlsplit(url).path).decode("iso-8859-1")  # as a WSGI server gives it
    body = application(environ, start_response)
    try:
        answer["content"] = b"".join(body)
    finally:
        if hasattr(body, "close"):
            body.close()
    return answer


@pytest.fixture
def django_handler_runs():
    from django.core import signals

    started = []

    def record(**kwargs):
        started.append(True)

    signals.request_started.connect(record)
    yield started
    signals.request_started.disconnect(record)


def test_the_front_answers_a_kept_page_before_django_with_the_same_bytes_and_headers(front, staff, django_handler_runs, django_assert_num_queries):
    incident = make_canary_incident(staff, tag="f1", publish=True)
    for url in PAGES + [f"/incidents/{incident.reference}/"]:
        fresh = wsgi_get(front, url)
        assert django_handler_runs, url
        django_handler_runs.clear()
        with django_assert_num_queries(0):
            kept = wsgi_get(front, url)
        assert not django_handler_runs, url
        assert (kept["status"], kept["content"]) == (fresh["status"], fresh["content"]) == ("200 OK", fresh["content"]), url
        assert kept["headers"] == fresh["headers"], url


def test_the_front_answers_a_conditional_get_of_a_kept_page_with_304(front, staff):
    make_canary_incident(staff, tag="f2", publish=True)
    first = dict(wsgi_get(front, "/incidents/")["headers"])
    wsgi_get(front, "/incidents/")
    again = wsgi_get(front, "/incidents/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again["status"].startswith("304") and again["content"] == b""
    assert dict(again["headers"])["ETag"] == first["ETag"]
    by_date = wsgi_get(front, "/incidents/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert by_date["status"].startswith("304")


def test_the_front_shows_a_publish_and_a_withdrawal_at_once(front, staff):
    first = make_canary_incident(staff, tag="f3", publish=True)
    for url in PAGES:
        wsgi_get(front, url)
        wsgi_get(front, url)
    second = make_canary_incident(staff, tag="f4", publish=True)
    for url in PAGES:
        assert second.reference in wsgi_get(front, url)["content"].decode(), url
    unpublish_incident(second, actor=staff.release_officer, reason="Too early.")
    for url in PAGES:
        page = wsgi_get(front, url)["content"].decode()
        assert second.reference not in page and first.reference in page, url


def test_the_front_never_answers_a_visitor_with_a_session_or_a_language_cookie(front, staff, django_handler_runs):
    make_canary_incident(staff, tag="f5", publish=True)
    wsgi_get(front, "/incidents/")
    for cookie in (f"{settings.SESSION_COOKIE_NAME}=abc", f"{settings.LANGUAGE_COOKIE_NAME}=es"):
        django_handler_runs.clear()
        answer = wsgi_get(front, "/incidents/", HTTP_COOKIE=cookie)
        assert django_handler_runs, cookie
        assert "private" in dict(answer["headers"])["Cache-Control"], cookie


def test_a_page_the_front_did_not_find_costs_one_read_of_the_shared_cache(front, staff, monkeypatch):
    from public import data_version

    make_canary_incident(staff, tag="f6", publish=True)
    reads = []
    real_get_many = cache.get_many
    monkeypatch.setattr(data_version.cache, "get_many", lambda keys, *a, **k: reads.append(keys) or real_get_many(keys, *a, **k))
    assert wsgi_get(front, "/incidents/")["status"] == "200 OK"
    assert len(reads) == 1
    reads.clear()
    assert wsgi_get(front, "/incidents/")["status"] == "200 OK"
    assert len(reads) == 1


def test_the_front_passes_a_path_beyond_latin_1_on_to_django_intact(front):
    assert wsgi_get(front, "/incidents/%E6%97%A5%E6%9C%AC/")["status"].startswith("404")
