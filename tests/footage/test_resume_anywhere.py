"""An upload is found again from the file chosen, in any browser: started in one browser context,
finished in another, with no byte re-sent that the server already had."""

from __future__ import annotations

import hashlib
import os

import pytest
from playwright.sync_api import expect

from footage.models import FootageItem, Upload
from tests.browser import assert_accessible, sign_in, watch_csp_violations
from tests.factories.footage import clip_file
from tests.workers import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.timeout(240)]


def _long_clip(tmp_path):
    clip = clip_file().read_bytes()
    padding = os.urandom(3 * 1024 * 1024).replace(b"<", b"=")
    path = tmp_path / "bodycam-0042.mp4"
    path.write_bytes(clip + (8 + len(padding)).to_bytes(4, "big") + b"mdat" + padding)
    return path


def test_an_upload_started_in_one_browser_is_finished_in_another_without_resending_a_byte(browser, page, live_server, people,
                                                                                            case, tmp_path):
    path = _long_clip(tmp_path)
    sign_in(page, live_server.url, "rita")
    page.goto(f"{live_server.url}/staff/footage/upload/?incident={case.pk}")
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    network.send("Network.emulateNetworkConditions",
                 {"offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": 256 * 1024})
    page.get_by_label("Files").set_input_files(str(path))
    page.get_by_role("button", name="Start uploading").click()
    page.wait_for_function("() => document.querySelector('.upload-progress') && document.querySelector('.upload-progress').value >= 20",
                           timeout=60_000)
    page.get_by_role("button", name="Pause").click()
    # The server keeps what arrived before the pause cut the PATCH off, once it has stored it.
    wait_until(lambda: Upload.objects.filter(offset__gt=0, claim_token__isnull=True).exists(), timeout=30,
               message="the server to keep the bytes that arrived before the pause")
    had = Upload.objects.get().offset
    assert 0 < had < path.stat().st_size

    # Another browser: nothing in its storage knows this upload.
    other = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    second = other.new_page()
    second.set_default_timeout(15_000)
    violations = watch_csp_violations(second)
    patches, creates = [], []
    second.on("request", lambda r: patches.append(int(r.headers.get("upload-offset", "-1"))) if r.method == "PATCH" else
              creates.append(r.url) if r.method == "POST" and "/api/uploads/" in r.url else None)
    sign_in(second, live_server.url, "rita")
    second.goto(f"{live_server.url}/staff/footage/upload/?incident={case.pk}")
    # The list is filled by a fetch after load: wait for it rather than read it at once.
    expect(second.locator("#unfinished-list")).to_contain_text(case.reference)
    second.get_by_label("Files").set_input_files(str(path))
    second.get_by_role("button", name="Start uploading").click()
    second.wait_for_function("() => document.querySelector('.upload-row[data-state=done]')", timeout=60_000)

    assert creates == [], "no new upload was made"
    assert patches and patches[0] == had, "the first byte sent is the first the server did not have"
    assert FootageItem.objects.get().sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    row = second.locator(".upload-row")
    assert row.get_by_role("button").count() == 0, "a finished upload has nothing to pause or resume"
    assert_accessible(second)
    assert violations == []
    other.close()
