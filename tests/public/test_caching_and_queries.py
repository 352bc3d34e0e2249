"""Public responses are cacheable, revalidate cheaply, change when what is public changes, and
cost a fixed number of queries however many incidents there are."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.public.conftest import make_canary_incident
from tests.personas import sign_in_verified
from tests.public.staff_per_module import _staff_of_the_module, staff  # noqa: F401 (made once for the module)

pytestmark = pytest.mark.django_db

CACHED_PAGES = ["/", "/incidents/", "/statistics/", "/open-data/", "/your-rights/", "/api/public/incidents/",
                "/feeds/releases.atom", "/sitemap.xml"]


def test_public_pages_carry_validators_and_shared_cache_headers(client, staff):
    make_canary_incident(staff, tag="c1", publish=True)
    for url in CACHED_PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        assert set(response["Cache-Control"].split(", ")) == {"public", "max-age=0", "s-maxage=300"}, url
        assert response.has_header("ETag") and response.has_header("Last-Modified"), url
        assert response["Vary"] == "Accept-Language", url
        again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304, url


def test_every_public_response_varies_only_on_language_and_sets_no_cookie(client, staff):
    """Through the whole middleware stack (sessions, locale, CSRF, CSP, messages): a page that
    read the session or carried a CSRF token would vary on Cookie, and no CDN could keep it."""
    incident = make_canary_incident(staff, tag="v1", publish=True)
    urls = CACHED_PAGES + [
        f"/incidents/{incident.reference}/", f"/api/public/incidents/{incident.reference}/", "/incidents/?q=park&sort=oldest",
        "/open-data/dictionary/", "/open-data/incidents.csv", "/open-data/incidents.json", "/open-data/incidents.geojson",
    ]
    for url in urls:
        for headers in ({}, {"HTTP_ACCEPT_LANGUAGE": "es"}, {"HTTP_ACCEPT": "text/html"}):
            response = client.get(url, **headers)
            assert response.status_code == 200, url
            assert response["Vary"] == "Accept-Language", (url, response["Vary"])
            assert response["Cache-Control"].startswith("public"), url
            assert not response.cookies, (url, list(response.cookies))


def test_a_statistics_csv_varies_only_on_language(client, staff):
    from public import statistics as stats

    make_canary_incident(staff, tag="v2", publish=True)
    chart = stats.all_charts()[0]
    response = client.get(f"/statistics/{chart.id}.csv")
    assert response.status_code == 200 and response["Vary"] == "Accept-Language"


def test_a_page_whose_language_a_cookie_chose_is_kept_by_that_browser_only(client, staff):
    """A CDN keys pages on Accept-Language alone: it must never store the Spanish page a cookie
    chose, or it would serve it to English readers."""
    make_canary_incident(staff, tag="v3", publish=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    response = client.get("/incidents/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Incidentes publicados" in response.content.decode()
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]
    assert response["Vary"] == "Accept-Language"
    assert client.get("/incidents/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_a_conditional_get_of_an_incident_page_gets_304_by_etag_or_date(client, staff):
    incident = make_canary_incident(staff, tag="v4", publish=True)
    url = f"/incidents/{incident.reference}/"
    first = client.get(url)
    assert first.status_code == 200
    by_etag = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert by_etag.status_code == 304 and by_etag.content == b""
    assert by_etag["ETag"] == first["ETag"] and "public" in by_etag["Cache-Control"]
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304


def test_the_etag_changes_when_an_incident_is_published_or_withdrawn(client, staff):
    first = make_canary_incident(staff, tag="c2", publish=True)
    before = client.get("/incidents/")["ETag"]
    second = make_canary_incident(staff, tag="c3", publish=True)
    after_publish = client.get("/incidents/", HTTP_IF_NONE_MATCH=before)
    assert after_publish.status_code == 200 and second.reference in after_publish.content.decode()
    from incidents.workflow import unpublish_incident

    unpublish_incident(second, actor=staff.release_officer, reason="Too early.")
    after_withdrawal = client.get("/incidents/", HTTP_IF_NONE_MATCH=after_publish["ETag"])
    assert after_withdrawal.status_code == 200
    assert second.reference not in after_withdrawal.content.decode()
    assert first.reference in after_withdrawal.content.decode()


def test_the_etag_differs_by_language(client, staff):
    make_canary_incident(staff, tag="c4", publish=True)
    english = client.get("/incidents/", HTTP_ACCEPT_LANGUAGE="en")
    spanish = client.get("/incidents/", HTTP_ACCEPT_LANGUAGE="es")
    assert english["ETag"] != spanish["ETag"]
    assert "Incidentes publicados" in spanish.content.decode()


@pytest.mark.parametrize("url", ["/", "/incidents/", "/statistics/", "/api/public/incidents/", "/feeds/releases.atom"])
def test_query_count_does_not_grow_with_the_number_of_incidents(client, staff, url, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_canary_incident(staff, tag="q1", publish=True)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(2, 6):
        make_canary_incident(staff, tag=f"q{n}", publish=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_an_incident_page_costs_no_more_queries_with_many_incidents_published(client, staff, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    incident = make_canary_incident(staff, tag="g1", publish=True)
    url = f"/incidents/{incident.reference}/"
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(2, 7):
        make_canary_incident(staff, tag=f"g{n}", publish=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert incident.reference in client.get(url).content.decode()


def test_a_page_asked_for_again_is_answered_from_memory_without_the_shared_cache(client, staff, monkeypatch):
    from django.core.cache import cache

    from public import caching, data_version

    caching.recent_pages.clear()
    incident = make_canary_incident(staff, tag="k3", publish=True)
    url = f"/incidents/{incident.reference}/"
    first = client.get(url)
    asked = []

    class Spy:
        def __getattr__(self, name):
            def call(*args, **kwargs):
                asked.extend(args[0] if name == "get_many" else args[:1])
                return getattr(cache, name)(*args, **kwargs)
            return call

    monkeypatch.setattr(data_version, "cache", Spy())
    monkeypatch.setattr(caching, "cache", Spy())
    again = client.get(url)
    assert again.content == first.content and again["ETag"] == first["ETag"]
    assert asked and not [key for key in asked if key.startswith("public-page:")]


def test_an_incident_page_costs_a_fixed_number_of_queries(client, staff, django_assert_max_num_queries):
    incident = make_canary_incident(staff, tag="q9", publish=True)
    with django_assert_max_num_queries(8):
        assert client.get(f"/incidents/{incident.reference}/").status_code == 200


def test_the_language_switcher_only_goes_to_this_site(client):
    response = client.get("/language/", {"language": "es", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    ignored = client.get("/language/", {"language": "xx", "next": "/incidents/"})
    assert ignored["Location"] == "/incidents/" and settings.LANGUAGE_COOKIE_NAME not in ignored.cookies


def test_every_spanish_string_of_the_public_site_is_translated():
    po = (Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = po.split("\n\n")[1:]
    assert len(entries) > 150
    untranslated = []
    for entry in entries:
        if "#, fuzzy" in entry:
            untranslated.append(entry)
        msgstrs = re.findall(r'^msgstr(?:\[\d\])? "(.*)"$', entry, flags=re.M)
        if not msgstrs or any(s == "" for s in msgstrs):
            untranslated.append(entry)
    assert not untranslated, untranslated[:5]


def test_every_public_template_string_is_in_the_spanish_catalogue():
    """A string added to a template without running makemessages would show in English."""
    po = (Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    msgids = set(re.findall(r'^msgid "(.*)"$', po, flags=re.M))
    roots = [Path(settings.BASE_DIR) / "public" / "templates", Path(settings.BASE_DIR) / "templates" / "public"]
    missing = []
    for root in roots:
        for template in root.rglob("*.html"):
            for text in re.findall(r'{% translate "([^"]+)"', template.read_text()):
                if text not in msgids:
                    missing.append((template.name, text))
    assert not missing, missing


def test_every_vocabulary_label_has_a_translation_hook():
    from incidents.vocabulary import AGENCIES, CATEGORIES, OUTCOMES
    from public.vocabulary_labels import LABELS

    assert {label for _, label in AGENCIES + CATEGORIES + OUTCOMES} <= set(LABELS)


def test_languages_django_lacks_are_known_and_arabic_is_right_to_left():
    from django.utils.translation import get_language_info

    for code in ("ht", "kea", "so"):
        assert get_language_info(code)["name_local"]
    assert get_language_info("ar")["bidi"] is True
    assert {code for code, _ in settings.LANGUAGES} == {"en", "es", "ht", "zh-hant", "zh-hans", "vi", "kea", "ru", "ar", "pt-br", "fr", "so"}
    for code in ("ht", "kea", "so", "zh_Hant", "pt_BR", "ar"):
        assert (Path(settings.BASE_DIR) / "locale" / code / "LC_MESSAGES" / "django.mo").exists()


def test_a_repeated_page_is_served_from_the_cache_without_a_query(client, staff, django_assert_num_queries):
    from django.core.cache import cache

    cache.clear()
    incident = make_canary_incident(staff, tag="k1", publish=True)
    first = client.get("/incidents/")
    with django_assert_num_queries(0):
        second = client.get("/incidents/")
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert incident.reference in second.content.decode()


def test_a_visitor_with_a_session_is_never_served_someone_elses_page(client, staff, make_user):
    from portal.roles import Role

    make_canary_incident(staff, tag="k2", publish=True)
    client.get("/incidents/")
    sign_in_verified(client, make_user(Role.AUDITOR))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get("/incidents/")
    assert len(queries.captured_queries) > 2
