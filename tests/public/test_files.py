"""Released files: served only when published, under their public name, seekable, verifiable."""

from __future__ import annotations

import hashlib

import pytest

from tests.factories.accounts import ensure_role_groups, make_user
from tests.module_data import copy_for_a_test, made_once
from tests.factories.releases import ensure_signing_key
from tests.public.conftest import make_canary_incident, make_second_officer, make_staff, release_footage

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _published_once(django_db_setup, django_db_blocker):
    """Every test here starts from one published release: made once for the module
    (tests/module_data.py)."""

    def publish():
        ensure_role_groups()
        staff = make_staff(make_user)
        ensure_signing_key()
        second_officer = make_second_officer(make_user)
        incident = make_canary_incident(staff, tag="f1", publish=True, state="investigation")
        release = release_footage(incident, staff, approver=second_officer)
        assert release.state == "published"
        return staff, second_officer, (incident, release)

    yield from made_once(django_db_blocker, publish)


@pytest.fixture
def _published_data(_published_once, db):
    return copy_for_a_test(_published_once)


@pytest.fixture
def staff(_published_data):
    return _published_data[0]


@pytest.fixture
def second_officer(_published_data):
    return _published_data[1]


@pytest.fixture
def published(_published_data):
    return _published_data[2]


def file_url(release) -> str:
    from releases.publication import public_file_name

    return f"/files/{release.pk}/{public_file_name(release)}"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_published_file_downloads_whole_with_its_sha256_as_etag(client, published):
    _, release = published
    response = client.get(file_url(release))
    assert response.status_code == 200
    data = body(response)
    assert hashlib.sha256(data).hexdigest() == release.release_sha256
    assert len(data) == release.release_size
    assert response["ETag"] == f'"{release.release_sha256}"'
    assert response["Accept-Ranges"] == "bytes"
    assert client.get(file_url(release), HTTP_IF_NONE_MATCH=f'"{release.release_sha256}"').status_code == 304


def test_the_player_can_ask_for_a_range(client, published):
    _, release = published
    whole = body(client.get(file_url(release)))
    part = client.get(file_url(release), HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{release.release_size}"
    assert body(part) == whole[100:200]
    tail = client.get(file_url(release), HTTP_RANGE="bytes=-10")
    assert body(tail) == whole[-10:]
    assert client.get(file_url(release), HTTP_RANGE=f"bytes={release.release_size + 5}-").status_code == 416


def test_a_wrong_name_or_an_unpublished_release_is_not_found(client, published, staff, second_officer):
    incident, release = published
    assert client.get(f"/files/{release.pk}/original.mp4").status_code == 404
    other = make_canary_incident(staff, tag="f2", publish=True)
    in_review = release_footage(other, staff, approver=second_officer, publish=False)
    from releases.publication import public_file_name

    assert client.get(f"/files/{in_review.pk}/{public_file_name(in_review)}").status_code == 404
    assert in_review.release_file.name  # it exists in storage; it is just not public
    page = client.get(f"/incidents/{other.reference}/").content.decode()
    assert in_review.release_sha256 and in_review.release_sha256 not in page


def test_the_incident_page_shows_the_player_hash_size_and_redactions(client, published):
    incident, release = published
    page = client.get(f"/incidents/{incident.reference}/").content.decode()
    assert release.release_sha256 in page
    assert file_url(release) in page
    assert 'class="video-js' in page
    assert "What was hidden and why" in page


def test_the_verify_page_accepts_the_released_file_and_refuses_a_changed_one(client, published):
    _, release = published
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = body(client.get(file_url(release)))
    good = client.post("/verify/", {"release": release.pk, "file": SimpleUploadedFile("mine.mp4", data)})
    assert "It matches" in good.content.decode()
    changed = bytearray(data)
    changed[len(changed) // 2] ^= 1
    bad = client.post("/verify/", {"release": release.pk, "file": SimpleUploadedFile("mine.mp4", bytes(changed))})
    assert "It does not match" in bad.content.decode()
    typed = client.post("/verify/", {"release": release.pk, "sha256": release.release_sha256.upper()})
    assert "It matches" in typed.content.decode()
    wrong = client.post("/verify/", {"release": release.pk, "sha256": "0" * 64})
    assert "It does not match" in wrong.content.decode()


def test_the_verify_page_explains_bad_input(client, published):
    _, release = published
    response = client.post("/verify/", {"release": release.pk, "sha256": "not a hash"})
    assert response.status_code == 400
    assert "exactly 64 letters" in response.content.decode()
    assert client.post("/verify/", {"release": 999999, "sha256": "0" * 64}).status_code == 400
    assert client.post("/verify/", {}).status_code == 400


def test_an_upload_larger_than_any_release_is_refused_before_it_is_read(client, published):
    _, release = published
    from django.core.files.uploadedfile import SimpleUploadedFile

    huge = SimpleUploadedFile("huge.mp4", b"\0" * (release.release_size + 200_000))
    response = client.post("/verify/", {"release": release.pk, "file": huge})
    assert response.status_code == 413
    assert "larger than any file the city released" in response.content.decode()


def test_with_nginx_the_portal_checks_and_nginx_sends_the_bytes(client, published, settings, staff, second_officer):
    _, release = published
    settings.PUBLIC_FILES_HANDOFF = "accel"
    settings.PUBLIC_FILES_ACCEL_PREFIX = "/internal-media/"
    response = client.get(file_url(release), HTTP_RANGE="bytes=0-99")
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/internal-media/{release.release_file.name}"
    assert response["ETag"] == f'"{release.release_sha256}"' and "public" in response["Cache-Control"]
    assert response["Content-Type"] == "video/mp4" and "Content-Disposition" in response
    unpublished = release_footage(make_canary_incident(staff, tag="f9", publish=True), staff, approver=second_officer, publish=False)
    assert client.get(file_url(unpublished)).status_code == 404


def test_with_x_sendfile_the_web_server_gets_the_files_path(client, published, settings):
    _, release = published
    settings.PUBLIC_FILES_HANDOFF = "sendfile"
    response = client.get(file_url(release))
    assert response["X-Sendfile"] == release.release_file.path and response.content == b""


def test_with_an_object_store_the_portal_redirects_to_a_short_lived_signed_url(client, published, settings, monkeypatch):
    _, release = published
    settings.PUBLIC_FILES_HANDOFF = "redirect"
    asked = {}

    def presigned(name, parameters=None, expire=None):
        asked.update(name=name, parameters=parameters, expire=expire)
        return f"https://store.example/{name}?X-Amz-Signature=abc"

    from django.core.files.storage import FileSystemStorage

    # Stands in for django-storages' S3Storage.url, which presigns with these arguments.
    monkeypatch.setattr(FileSystemStorage, "url", lambda self, name, **kw: presigned(name, **kw))
    response = client.get(file_url(release))
    assert response.status_code == 302 and response["Location"].startswith("https://store.example/")
    assert asked["expire"] == 900 and "filename=" in asked["parameters"]["ResponseContentDisposition"]
