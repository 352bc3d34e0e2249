"""The staff footage pages in Chromium: uploading several files at once with tus-js-client and a
progress bar, then the item page with its player and live processing progress; axe-core
WCAG 2.1 AA on each page, on a desktop and on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from footage.models import FootageItem, Upload
from tests.browser import assert_accessible, sign_in
from tests.factories.footage import clip_file, make_footage
from tests.workers import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.timeout(240)]


def test_a_reporter_uploads_two_files_at_once_and_opens_the_result(page, live_server, people, case, tmp_path):
    from PIL import Image

    photo = tmp_path / "scene.jpg"
    Image.new("RGB", (320, 240), "teal").save(photo, "JPEG")
    sign_in(page, live_server.url, "rita")
    page.goto(f"{live_server.url}/staff/footage/upload/?incident={case.pk}")
    assert_accessible(page)

    page.get_by_label("Kind of footage").select_option("body_worn")
    page.get_by_label("Camera or device id").fill("BWC-9")
    page.get_by_label("Files").set_input_files([str(clip_file()), str(photo)])
    page.get_by_role("button", name="Start uploading").click()

    page.wait_for_function("() => document.querySelectorAll('.upload-row[data-state=done]').length === 2", timeout=120_000)
    assert FootageItem.objects.filter(incident=case).count() == 2
    assert_accessible(page)

    page.locator(".upload-row", has_text=clip_file().name).get_by_role("link").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.get_by_role("heading", level=1).inner_text() == clip_file().name
    assert page.get_by_role("heading", name="Processing").is_visible()


def test_the_item_page_plays_the_proxy_and_passes_axe_on_a_phone(phone_page, live_server, people, case):
    item = make_footage(incident=case, uploaded_by=people.reporter, seconds=1, size=(320, 180))
    sign_in(phone_page, live_server.url, "ivan")

    phone_page.goto(f"{live_server.url}/staff/footage/{item.pk}/")

    phone_page.wait_for_function("() => document.querySelector('video') && document.querySelector('video').readyState >= 1", timeout=30_000)
    assert phone_page.locator("[data-sha256]").inner_text() == item.sha256
    assert_accessible(phone_page)
    phone_page.goto(f"{live_server.url}/staff/footage/")
    assert_accessible(phone_page)


def test_after_a_reload_the_upload_page_lists_unfinished_uploads_to_resume(phone_page, live_server, people, case, api_client):
    from tests.footage.tus_helpers import create, patch

    client = api_client(people.reporter)
    url = create(client, incident=case, length=4000, filename="long-bodycam.mp4")["Location"]
    patch(client, url, b"x" * 1000, offset=0)
    sign_in(phone_page, live_server.url, "rita")

    phone_page.goto(f"{live_server.url}/staff/footage/upload/?incident={case.pk}")

    unfinished = phone_page.get_by_role("heading", name="Unfinished uploads")
    unfinished.wait_for()
    expect(phone_page.locator("#unfinished-list")).to_contain_text("long-bodycam.mp4: 25% received")
    assert_accessible(phone_page)


def test_an_upload_paused_midway_resumes_where_it_stopped(page, live_server, people, case, tmp_path):
    import hashlib
    import os

    clip = clip_file().read_bytes()
    padding = os.urandom(2 * 1024 * 1024).replace(b"<", b"=")
    path = tmp_path / "slow-bodycam.mp4"
    path.write_bytes(clip + (8 + len(padding)).to_bytes(4, "big") + b"mdat" + padding)
    sign_in(page, live_server.url, "rita")
    page.goto(f"{live_server.url}/staff/footage/upload/?incident={case.pk}")
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    network.send("Network.emulateNetworkConditions",
                 {"offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": 256 * 1024})

    page.get_by_label("Files").set_input_files(str(path))
    page.get_by_role("button", name="Start uploading").click()
    page.wait_for_function("() => document.querySelector('.upload-progress').value >= 20", timeout=60_000)
    page.get_by_role("button", name="Pause").click()

    expect(page.locator(".upload-status")).to_have_text(re.compile(r"^Paused at"))
    # The server keeps what arrived before the pause cut the PATCH off, once it has stored it.
    wait_until(lambda: Upload.objects.filter(offset__gt=0, claim_token__isnull=True).exists(), timeout=30,
               message="the server to keep the bytes that arrived before the pause")
    paused_at = Upload.objects.get().offset
    assert 0 < paused_at < path.stat().st_size, "the bytes sent before the pause are kept"
    network.send("Network.emulateNetworkConditions",
                 {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    page.get_by_role("button", name="Resume").click()

    page.wait_for_function("() => document.querySelector('.upload-row[data-state=done]')", timeout=60_000)
    assert FootageItem.objects.get().sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
