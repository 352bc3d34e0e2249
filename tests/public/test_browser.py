"""The public site in Chromium: search and filters, the map without a tile server, the language
switcher, and axe-core WCAG 2.1 AA on every public page in English, Spanish and Arabic (RTL)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

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
        "/open-data/dictionary/",
        "/your-rights/",
        "/verify/",
        "/no-such-page/",
    ]


@pytest.mark.parametrize("language", ["en", "es", "ar"])
def test_every_public_page_meets_wcag_21_aa_and_has_everything_in_a_landmark(page, live_server, released, language):
    # One load of each page for both: the landmark rule (axe-core's `region`) is not among the
    # WCAG tags, so it runs on its own, with the axe-core assert_accessible has loaded.
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    for path in public_pages(released):
        page.goto(live_server.url + path)
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
        assert_accessible(page)
        result = page.evaluate("async () => await axe.run(document, {runOnly: {type: 'rule', values: ['region']}})")
        assert not result["violations"], (path, [n["target"] for v in result["violations"] for n in v["nodes"]][:5])
        label = page.locator("#language-label").inner_text()
        assert label.count("Language") == 1 and len(label.split(" / ")) == (1 if language == "en" else 2)


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
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(released[1].reference)

    page.get_by_label("Search words").fill("")
    page.get_by_label("Agency").select_option("fbi")
    page.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(released[2].reference)

    page.get_by_label("Agency").select_option("")
    page.get_by_label("Neighbourhood").select_option("old_market")
    page.get_by_role("button", name="Search").click()
    expect(rows.first).to_contain_text(released[0].reference)
    rows.first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Incident {released[0].reference}")


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
    # The three are at the same block: one cluster, named for screen readers, that opens on a click.
    cluster = page.locator(".marker-cluster")
    assert cluster.count() == 1 and cluster.inner_text() == "3"
    assert cluster.get_attribute("aria-label") == "Incidents at this place: 3"
    cluster.click()
    page.wait_for_function("() => document.querySelectorAll('.leaflet-marker-icon:not(.marker-cluster)').length === 3")
    assert page.locator(".leaflet-tile").count() == 0
    assert page.locator("#map-note").is_visible()
    assert page.locator("#incident-table tbody tr").count() == 3
    assert all(r.startswith(live_server.url) for r in requests), [r for r in requests if not r.startswith(live_server.url)]


def test_the_language_switcher_changes_the_language_and_keeps_the_page(page, live_server, released):
    page.goto(live_server.url + "/incidents/?neighbourhood=riverside")
    page.get_by_role("combobox", name="Language").select_option("es")
    page.get_by_role("button", name="Change language").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Incidentes publicados")
    assert page.url == live_server.url + "/incidents/?neighbourhood=riverside"
    assert page.locator("html").get_attribute("lang") == "es"

    page.get_by_role("combobox", name="Idioma / Language").select_option("ar")
    page.get_by_role("button", name="Cambiar idioma").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")


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
    expect(page.get_by_role("heading", name="It matches")).to_be_visible()
    assert uploads and all(len(body) < 10_000 for body in uploads)  # the fingerprint went, not the video


def test_a_search_for_ice_finds_the_ice_incidents(page, live_server, staff, released):
    ice = [make_canary_incident(staff, tag=f"i{n}", publish=True, agencies=[agency], days_ago=n,
                                summary="City police officers watched from across the street.")
           for n, agency in ((1, "ice_ero"), (2, "ice_hsi"), (4, "ice_ero"))]
    page.goto(live_server.url + "/incidents/")
    page.get_by_label("Search words").fill("ICE")
    page.get_by_role("button", name="Search").click()
    rows = page.locator("#incident-table tbody tr")
    expect(rows).to_have_count(4)  # the click only starts the search; the rows are read once its page is in
    found = {text.split()[0] for text in rows.all_inner_texts()}
    assert found == {i.reference for i in [*ice, released[0]]}  # the first released one is ICE ERO too; CBP and FBI are not
    assert "Sorted by: Newest release first." in page.locator("#results-order").inner_text()


def test_the_masked_agent_field_is_on_the_incident_page_and_in_every_download(page, live_server, released):
    import csv
    import io

    incident = released[0]
    page.goto(f"{live_server.url}/incidents/{incident.reference}/")
    assert page.locator("#agents-masked").inner_text() == "Yes, agents were masked."
    as_csv = {r["reference"]: r for r in csv.DictReader(io.StringIO(page.request.get(live_server.url + "/open-data/incidents.csv").text()))}
    as_json = {r["reference"]: r for r in page.request.get(live_server.url + "/open-data/incidents.json").json()["incidents"]}
    geojson = {f["id"]: f["properties"] for f in page.request.get(live_server.url + "/open-data/incidents.geojson").json()["features"]}
    api = page.request.get(f"{live_server.url}/api/public/incidents/{incident.reference}/").json()
    assert as_csv[incident.reference]["agents_masked"] == "yes"
    assert as_json[incident.reference]["agents_masked"] is geojson[incident.reference]["agents_masked"] is api["agents_masked"] is True


@pytest.fixture
def withheld(staff, signing_key):
    from releases.workflow import apply_release_transition
    from tests.factories.releases import make_release_in_review, make_video_footage

    incident = make_canary_incident(staff, tag="wh", publish=True, summary="Agents searched a car outside the court.")
    release = make_release_in_review(footage=make_video_footage(incident=incident, uploaded_by=staff.investigator),
                                     requested_by=staff.investigator)
    apply_release_transition(release, "withhold", actor=staff.release_officer, ground="court_order", reason="Sealed by the court.")
    return incident


def test_a_withheld_incident_shows_its_ground(page, live_server, withheld):
    page.goto(f"{live_server.url}/incidents/{withheld.reference}/")
    box = page.locator("#withheld")
    assert "A video exists but was withheld." in box.inner_text()
    assert "Legal ground: A court has ordered that it not be released." in box.inner_text()
    assert "review this decision by" in box.inner_text()
    assert_accessible(page)


def test_the_arabic_incident_page_is_right_to_left_with_no_english_left(page, live_server, released):
    from tests.public.test_translations import msgids

    incident = released[0]
    page.goto(f"{live_server.url}/incidents/{incident.reference}/")
    english = page.locator("body").inner_text()
    page.context.add_cookies([{"name": "django_language", "value": "ar", "url": live_server.url}])
    page.goto(f"{live_server.url}/incidents/{incident.reference}/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("h1").evaluate("h => getComputedStyle(h).direction") == "rtl"
    arabic = page.locator("body").inner_text()
    # Every sentence of the site shown in English must be gone; only data (the summary, place names,
    # the reference) and the English word beside "Language" in the picker may stay.
    left = [text for text in msgids("ar") if "%" not in text and len(text) > 3 and text in english and text in arabic
            and text not in ("Language",)]
    assert not left, left
    assert page.locator("h1").inner_text().startswith("الحادثة")


def test_verify_with_only_a_file_finds_its_release(page, live_server, with_video, tmp_path):
    incident, release = with_video
    copy = tmp_path / "downloaded.mp4"
    with release.release_file.open("rb") as f:
        copy.write_bytes(f.read())
    page.goto(f"{live_server.url}/verify/")
    page.get_by_label("The file you downloaded").set_input_files(str(copy))
    page.wait_for_function(f"() => document.querySelector('input[name=sha256]').value === '{release.release_sha256}'")
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_role("heading", name="It matches")).to_be_visible()
    from releases.publication import public_file_name

    assert public_file_name(release) in page.locator("#verify-result").inner_text()
