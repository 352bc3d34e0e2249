"""tus against a real server process: the tuspy client, connections cut mid-chunk (the last one
included) and resumed, and two PATCHes racing for the same offset."""

from __future__ import annotations

import hashlib
import http.client
import os
import threading
from urllib.parse import urlsplit

import pytest
import requests
from rest_framework.authtoken.models import Token
from tusclient import client as tus_client
from tusclient.exceptions import TusCommunicationError, TusUploadFailed

from footage.models import FootageItem, Upload, UploadState
from footage.uploads import partial_path
from tests.footage.servers import CuttingRelay, portal_server
from tests.footage.tus_helpers import metadata
from tests.workers import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(300)]

CHUNK = 96 * 1024


@pytest.fixture(scope="module")
def server(django_db_setup, tmp_path_factory):
    """One server for the module: it keeps no state between requests beyond the database, which
    each test empties."""
    with portal_server(workers=2, log_path=tmp_path_factory.mktemp("gunicorn") / "gunicorn.log") as url:
        yield url


@pytest.fixture
def big_clip(tmp_path):
    """A real clip padded to ~1 MB with a trailing free box, so it takes a dozen chunks."""
    from media import make_test_clip

    clip = make_test_clip(tmp_path / "bodycam.mp4", seconds=2, size=(320, 180))
    padding = os.urandom(900 * 1024)
    with open(clip, "ab") as f:
        f.write((8 + len(padding)).to_bytes(4, "big") + b"free" + padding)
    return clip


def test_an_upload_cut_several_times_including_in_its_last_chunk_resumes_to_the_exact_file(people, case, server, big_clip):
    size = big_clip.stat().st_size
    cuts = {"early": 0, "last": 0}

    def decide(offset: int, length: int):
        if offset + length == size and not cuts["last"]:
            cuts["last"] += 1
            return length // 2
        if cuts["early"] < 3 and offset > 0 and offset + length < size:
            cuts["early"] += 1
            return length // 3
        return None

    relay = CuttingRelay(int(urlsplit(server).port), decide)
    token = Token.objects.create(user=people.reporter).key
    client = tus_client.TusClient(f"{relay.url}/api/uploads/", headers={"Authorization": f"Token {token}"})
    tus_metadata = {"filename": "bodycam.mp4", "incident": str(case.pk), "kind": "body_worn", "device_id": "BWC-1"}
    uploader = client.uploader(str(big_clip), chunk_size=CHUNK, metadata=tus_metadata)
    failures = 0
    try:
        while True:
            try:
                uploader.upload()
                break
            except (TusCommunicationError, TusUploadFailed, requests.RequestException):
                failures += 1
                assert failures < 30, "the upload never finished"
                # A new client session picks up from the server's offset (a HEAD), like a
                # phone coming back into coverage.
                uploader = client.uploader(str(big_clip), chunk_size=CHUNK, url=uploader.url)
    finally:
        relay.close()

    assert cuts == {"early": 3, "last": 1}
    assert failures >= 4
    # The bytes that got through before each cut were kept: the client resumed after them.
    for i, cut in enumerate(relay.patches):
        if cut.cut_after:
            assert any(later.offset == cut.offset + cut.cut_after for later in relay.patches[i + 1 :]), cut
    item = FootageItem.objects.get()
    assert item.sha256 == hashlib.sha256(big_clip.read_bytes()).hexdigest()
    assert item.size == size
    upload = Upload.objects.get()
    assert (upload.state, upload.footage_id, upload.offset) == (UploadState.INGESTED, item.pk, size)
    assert not partial_path(upload).exists()


def _slow_patch(url: str, token: str, first: bytes, rest: bytes, go_on: threading.Event, result: dict) -> None:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    conn.putrequest("PATCH", parts.path)
    for name, value in {
        "Authorization": f"Token {token}", "Tus-Resumable": "1.0.0", "Upload-Offset": "0",
        "Content-Type": "application/offset+octet-stream", "Content-Length": str(len(first) + len(rest)),
    }.items():
        conn.putheader(name, value)
    conn.endheaders()
    conn.send(first)
    go_on.wait(60)
    conn.send(rest)
    response = conn.getresponse()
    result["status"], result["offset"] = response.status, response.getheader("Upload-Offset")
    conn.close()


def test_two_patches_at_the_same_offset_cannot_both_write(people, case, server):
    token = Token.objects.create(user=people.reporter).key
    auth = {"Authorization": f"Token {token}", "Tus-Resumable": "1.0.0"}
    created = requests.post(f"{server}/api/uploads/", headers={
        **auth, "Upload-Length": str(10 * 1024 * 1024),
        "Upload-Metadata": metadata(filename="clip.mp4", incident=case.pk, kind="body_worn"),
    })
    assert created.status_code == 201, created.text
    url = created.headers["Location"]
    first, rest = b"A" * (256 * 1024), b"A" * (256 * 1024)
    go_on, slow_result = threading.Event(), {}
    slow = threading.Thread(target=_slow_patch, args=(url, token, first, rest, go_on, slow_result))
    slow.start()
    wait_until(lambda: Upload.objects.filter(claim_token__isnull=False).exists(), timeout=30, message="the first PATCH to claim the upload")

    rival = requests.patch(url, data=b"B" * (128 * 1024), headers={
        **auth, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream",
    })
    go_on.set()
    slow.join(60)

    assert rival.status_code == 409
    assert rival.json()["code"] == "busy"
    assert slow_result == {"status": 204, "offset": str(len(first) + len(rest))}
    upload = Upload.objects.get()
    assert upload.offset == len(first) + len(rest)
    assert partial_path(upload).read_bytes() == first + rest
    after = requests.patch(url, data=b"C" * 10, headers={**auth, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
    assert after.status_code == 409 and after.json()["code"] == "offset_mismatch"
