"""The tus 1.0.0 server at /api/uploads/, spoken to in-process: the protocol, its refusals and who
may upload where."""

from __future__ import annotations

import hashlib

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from footage.custody import custody_log
from footage.models import CustodyAction, FootageItem, Upload, UploadState
from footage.uploads import expire_uploads, partial_path
from tests.factories.footage import clip_file
from tests.footage.tus_helpers import TUS, create, head, patch, upload_whole
from tests.personas import sign_in_verified

pytestmark = pytest.mark.django_db


def test_options_advertises_the_version_extensions_checksum_and_size_limit(client):
    response = client.options("/api/uploads/")

    assert response.status_code == 204
    assert response["Tus-Version"] == "1.0.0"
    assert set(response["Tus-Extension"].split(",")) == {"creation", "termination", "checksum", "expiration"}
    assert response["Tus-Checksum-Algorithm"] == "sha256"
    assert int(response["Tus-Max-Size"]) == settings.MAX_UPLOAD_SIZE


def test_a_reporter_uploads_a_clip_in_chunks_and_it_becomes_footage_of_the_incident(people, case, api_client):
    data = clip_file().read_bytes()
    client = api_client(people.reporter)

    response, url = upload_whole(client, incident=case, data=data, filename="bodycam 0042.mp4")

    assert response.status_code == 204, response.content
    assert response["Upload-Offset"] == str(len(data))
    item = FootageItem.objects.get(incident=case)
    assert response["Footage-Location"] == f"/staff/footage/{item.pk}/"
    assert item.sha256 == hashlib.sha256(data).hexdigest()
    assert (item.original_filename, item.kind, item.device_id, item.uploaded_by) == ("bodycam 0042.mp4", "body_worn", "BWC-7", people.reporter)
    assert [e.action for e in custody_log(item)] == [CustodyAction.INGESTED, CustodyAction.HASH_COMPUTED]
    upload = Upload.objects.get()
    assert (upload.state, upload.footage) == (UploadState.INGESTED, item)
    assert not partial_path(upload).exists()
    assert client.get(url).json()["footage"] == item.pk


def test_head_reports_the_offset_and_is_never_cached(people, case, api_client):
    client = api_client(people.reporter)
    url = create(client, incident=case, length=1000)["Location"]
    patch(client, url, b"x" * 300, offset=0)

    response = head(client, url)

    assert response.status_code == 200
    assert (response["Upload-Offset"], response["Upload-Length"]) == ("300", "1000")
    assert "no-store" in response["Cache-Control"]
    assert response["Upload-Expires"].endswith("GMT")


def test_a_patch_at_the_wrong_offset_is_a_conflict(people, case, api_client):
    client = api_client(people.reporter)
    url = create(client, incident=case, length=1000)["Location"]
    patch(client, url, b"x" * 300, offset=0)

    response = patch(client, url, b"y" * 100, offset=200)

    assert response.status_code == 409
    assert response.json()["code"] == "offset_mismatch"
    assert Upload.objects.get().offset == 300


def test_a_chunk_that_fails_its_checksum_is_discarded_with_460(people, case, api_client):
    client = api_client(people.reporter)
    url = create(client, incident=case, length=1000)["Location"]
    patch(client, url, b"a" * 100, offset=0, checksum=hashlib.sha256(b"a" * 100).digest())

    response = patch(client, url, b"b" * 100, offset=100, checksum=hashlib.sha256(b"not this").digest())

    assert response.status_code == 460
    upload = Upload.objects.get()
    assert upload.offset == 100
    assert partial_path(upload).read_bytes() == b"a" * 100


def test_requests_without_the_tus_version_header_are_refused(people, case, api_client):
    client = api_client(people.reporter)
    url = create(client, incident=case, length=10)["Location"]

    response = client.generic("PATCH", url, data=b"x", content_type="application/offset+octet-stream", HTTP_UPLOAD_OFFSET="0")

    assert response.status_code == 412


def test_a_patch_must_be_an_offset_octet_stream(people, case, api_client):
    client = api_client(people.reporter)
    url = create(client, incident=case, length=10)["Location"]

    response = client.generic("PATCH", url, data=b"x", content_type="application/json", HTTP_UPLOAD_OFFSET="0", **TUS)

    assert response.status_code == 415


def test_a_chunk_past_the_declared_length_is_refused(people, case, api_client):
    client = api_client(people.reporter)
    url = create(client, incident=case, length=10)["Location"]

    response = patch(client, url, b"x" * 11, offset=0)

    assert response.status_code == 400
    assert Upload.objects.get().offset == 0


def test_delete_terminates_an_upload_and_removes_its_bytes(people, case, api_client):
    client = api_client(people.reporter)
    url = create(client, incident=case, length=1000)["Location"]
    patch(client, url, b"x" * 10, offset=0)
    upload = Upload.objects.get()

    response = client.generic("DELETE", url, **TUS)

    assert response.status_code == 204
    upload.refresh_from_db()
    assert upload.state == UploadState.TERMINATED
    assert not partial_path(upload).exists()
    assert head(client, url).status_code == 410


def test_abandoned_uploads_expire_and_their_bytes_go(people, case, api_client):
    client = api_client(people.reporter)
    url = create(client, incident=case, length=1000)["Location"]
    patch(client, url, b"x" * 10, offset=0)
    upload = Upload.objects.get()

    assert expire_uploads(now=timezone.now()) == 0
    assert expire_uploads(now=upload.expires_at + settings.UPLOAD_EXPIRY) == 1

    upload.refresh_from_db()
    assert upload.state == UploadState.EXPIRED
    assert not partial_path(upload).exists()
    assert patch(client, url, b"y", offset=10).status_code == 410


def test_an_upload_over_the_size_limit_is_refused_before_anything_is_stored(people, case, api_client):
    client = api_client(people.reporter)

    with override_settings(MAX_UPLOAD_SIZE=1000):
        response = create(client, incident=case, length=1001)

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert "limit" in response.json()["detail"]
    assert not Upload.objects.exists()


def test_anonymous_callers_cannot_create_or_touch_uploads(people, case, api_client, client):
    url = create(api_client(people.reporter), incident=case, length=10)["Location"]

    assert create(client, incident=case, length=10).status_code == 401
    assert head(client, url).status_code == 401
    assert patch(client, url, b"x", offset=0).status_code == 401


def test_session_uploads_need_the_csrf_token(people, case):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    sign_in_verified(browser, people.reporter)
    browser.get("/staff/footage/upload/")
    token = browser.cookies["csrftoken"].value

    assert create(browser, incident=case, length=10).status_code == 403
    assert create(browser, incident=case, length=10, HTTP_X_CSRFTOKEN=token).status_code == 201


def test_only_the_uploader_can_see_or_continue_an_upload(people, case, api_client):
    url = create(api_client(people.reporter), incident=case, length=10)["Location"]

    assert head(api_client(people.supervisor), url).status_code == 404
    assert patch(api_client(people.investigator), url, b"x", offset=0).status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [("other_reporter", 404), ("other_investigator", 404), ("admin", 404), ("release_officer", 403), ("auditor", 403)],
)
def test_people_without_the_right_to_add_evidence_cannot_start_an_upload(people, case, api_client, who, status):
    response = create(api_client(getattr(people, who)), incident=case, length=10)

    assert response.status_code == status
    assert not Upload.objects.exists()


@pytest.mark.parametrize("who", ["reporter", "investigator", "supervisor"])
def test_the_reporter_the_assigned_investigator_and_a_supervisor_may_upload(people, case, api_client, who):
    assert create(api_client(getattr(people, who)), incident=case, length=10).status_code == 201


def test_metadata_must_name_a_known_kind_and_a_filename(people, case, api_client):
    client = api_client(people.reporter)

    assert create(client, incident=case, length=10, kind="hologram").json()["code"] == "bad_metadata"
    assert create(client, incident=case, length=10, filename="").status_code == 400
    bad = client.generic("POST", "/api/uploads/", **TUS, HTTP_UPLOAD_LENGTH="10", HTTP_UPLOAD_METADATA="filename !!!notbase64")
    assert bad.status_code == 400
    assert client.generic("POST", "/api/uploads/", **TUS, HTTP_UPLOAD_LENGTH="ten").status_code == 400


@pytest.mark.parametrize("field", ["filename", "device_id"])
def test_metadata_with_a_nul_character_is_a_bad_request_not_a_crash(people, case, api_client, field):
    client = api_client(people.reporter)
    response = create(client, incident=case, length=10, **{field: "clip\x00.mp4"})
    assert response.status_code == 400 and response.json()["code"] == "bad_metadata"
