"""The public site in Chromium: search and filters, the map without a tile server, the language
switcher, and axe-core WCAG 2.1 AA on every public page in English, Spanish and Arabic (RTL)."""

from __future__ import annotations

import pytest

from tests.browser import assert_accessible
from tests.public.conftest import make_canary_incident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def released(staff):
    return [
        make_canary_incident(staff, tag="b1", publish=True, state="closed", days_ago=30, neighbourhood="old_market",
                             summary="Agents broke the window of a corner shop."),
        make_canary_incident(staff, tag="b2", publish=True, days_ago=12, neighbourhood="riverside", agencies=["cbp"],
                             categories=["vehicle_stop"], summary="Agents stopped a delivery van on the bridge."),
        make_canary_incident(staff, tag="b3", publish=True, days_ago=3, neighbourhood="lakeview", agencies=["fbi"],
                             categories=["use_of_force"], summary="An agent pushed a man to the ground at the bus stop."),
    ]


def public_pages(released) -> list[str]:
    return [
        "/",
        "/incidents/",
        "/incidents/?date_from=2031-01-01&date_to=2030-01-01",  # a page showing field errors
        f"/incidents/{released[0].reference}/",
        "/statistics/",
        "/open-data/",
        "/your-rights/",
        "/verify/",
        "/no-such-page/",
    ]


@pytest.mark.parametrize("language", ["en", "es", "ar"])
def test_every_public_page_meets_wcag_21_aa(page, live_server, released, language):
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    for path in public_pages(released):
        page.goto(live_server.url + path)
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
        assert_accessible(page)


def test_the_phone_layout_meets_wcag_21_aa_too(phone_page, live_server, released):
    for path in ("/", "/incidents/", f"/incidents/{released[1].reference}/"):
        phone_page.goto(live_server.url + path)
        assert_accessible(phone_page)


def test_a_resident_searches_and_filters_the_list(page, live_server, released):
    page.goto(live_server.url + "/incidents/")
    rows = page.locator("#incident-table tbody tr")
    assert rows.count() == 3
    page.get_by_label("Search words").fill("bridge")
    page.get_by_role("button", name="Search").click()
    assert rows.count() == 1
    assert released[1].reference in rows.first.inner_text()

    page.get_by_label("Search words").fill("")
    page.get_by_label("Agency").select_option("fbi")
    page.get_by_role("button", name="Search").click()
    assert rows.count() == 1
    assert released[2].reference in rows.first.inner_text()

    page.get_by_label("Agency").select_option("")
    page.get_by_label("Neighbourhood").select_option("old_market")
    page.get_by_role("button", name="Search").click()
    assert released[0].reference in rows.first.inner_text()
    rows.first.get_by_role("link").click()
    assert page.get_by_role("heading", level=1).inner_text() == f"Incident {released[0].reference}"


def test_a_bad_date_is_explained_next_to_the_field(page, live_server, released):
    page.goto(live_server.url + "/incidents/?date_from=2026-05-01&date_to=2026-04-01")
    assert "The end date must be on or after the start date." in page.locator(".usa-form-group--error").inner_text()


def test_without_a_tile_server_the_map_shows_markers_on_a_plain_background(page, live_server, released, settings):
    settings.PUBLIC_MAP_TILE_URL = ""
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(live_server.url + "/incidents/")
    page.wait_for_selector("#incident-map[data-ready=true]")
    assert page.locator("#incident-map").get_attribute("data-markers") == "3"
    assert page.locator(".leaflet-marker-icon").count() == 3
    assert page.locator(".leaflet-tile").count() == 0
    assert page.locator("#map-note").is_visible()
    assert page.locator("#incident-table tbody tr").count() == 3
    assert all(r.startswith(live_server.url) for r in requests), [r for r in requests if not r.startswith(live_server.url)]


def test_the_language_switcher_changes_the_language_and_keeps_the_page(page, live_server, released):
    page.goto(live_server.url + "/incidents/?neighbourhood=riverside")
    page.get_by_label("Language", exact=True).select_option("es")
    page.get_by_role("button", name="Change language").click()
    assert page.url == live_server.url + "/incidents/?neighbourhood=riverside"
    assert page.get_by_role("heading", level=1).inner_text() == "Incidentes publicados"
    assert page.locator("html").get_attribute("lang") == "es"

    page.get_by_label("Idioma / Language").select_option("ar")
    page.get_by_role("button", name="Cambiar idioma").click()
    assert page.locator("html").get_attribute("dir") == "rtl"


@pytest.fixture
def with_video(staff, signing_key, second_officer):
    from tests.public.conftest import release_footage

    incident = make_canary_incident(staff, tag="v1", publish=True, summary="Agents pushed a man; a body camera filmed it.")
    release = release_footage(incident, staff, approver=second_officer)
    return incident, release


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_player_works_from_the_keyboard_and_the_page_meets_wcag(page, live_server, with_video, language):
    incident, release = with_video
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(f"{live_server.url}/incidents/{incident.reference}/")
    page.wait_for_selector(".vjs-big-play-button")
    assert_accessible(page)
    page.locator(".vjs-big-play-button").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => !document.querySelector('video').paused && document.querySelector('video').currentTime > 0.2")
    play_control = page.locator(".vjs-play-control").first
    play_control.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('video').paused")
    page.locator(".vjs-playback-rate .vjs-menu-button").first.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('video').playbackRate !== 1")
    download = page.locator(f'a[download][href$="{release.pk}.mp4"]')
    assert download.count() == 1


def test_the_browser_hashes_a_file_so_it_need_not_be_uploaded(page, live_server, with_video, tmp_path):
    incident, release = with_video
    copy = tmp_path / "my-copy.mp4"
    with release.release_file.open("rb") as f:
        copy.write_bytes(f.read())
    page.goto(f"{live_server.url}/verify/?release={release.pk}")
    uploads = []
    page.on("request", lambda r: uploads.append(r.post_data_buffer or b"") if r.method == "POST" else None)
    page.get_by_label("The file you downloaded").set_input_files(str(copy))
    page.wait_for_function(f"() => document.querySelector('input[name=sha256]').value === '{release.release_sha256}'")
    page.get_by_role("button", name="Check").click()
    assert page.get_by_role("heading", name="It matches").is_visible()
    assert uploads and all(len(body) < 10_000 for body in uploads)  # the fingerprint went, not the video
