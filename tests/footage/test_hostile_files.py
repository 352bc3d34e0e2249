"""Hostile and broken files sent through the tus endpoint: each gets a specific, clear message
(HTTP 422 with a JSON code), the upload records why, its bytes are gone, and no footage exists."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from django.test import override_settings

from footage.models import FootageItem, Upload, UploadState
from footage.uploads import partial_path
from portal.models import AuditEvent
from tests.factories.footage import clip_file
from tests.footage.tus_helpers import create, upload_whole

pytestmark = pytest.mark.django_db


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _png_bomb() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 30_000, 30_000, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 4000)) + chunk(b"IEND", b"")


def _truncated_clip() -> bytes:
    data = clip_file().read_bytes()
    return data[: len(data) // 2]


def _polyglot() -> bytes:
    return clip_file().read_bytes() + _box(b"free", b"<html><body><script>alert(document.cookie)</script>")


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>'

HOSTILE = {
    "text-named-mp4": ("evidence.mp4", lambda: b"This is a note, not a video.\n" * 20, "not_media"),
    "random-bytes-named-mov": ("clip.mov", lambda: bytes(range(256)) * 40, "not_media"),
    "truncated-video": ("bodycam.mp4", _truncated_clip, "truncated"),
    "decompression-bomb-png": ("photo.png", _png_bomb, "decompression_bomb"),
    "html-mp4-polyglot": ("clip.mp4", _polyglot, "polyglot"),
    "svg-named-jpg": ("photo.jpg", lambda: SVG, "svg"),
}


def _assert_nothing_was_made(upload: Upload, code: str) -> None:
    upload.refresh_from_db()
    assert (upload.state, upload.rejection_code) == (UploadState.REJECTED, code)
    assert upload.rejection_detail
    assert not partial_path(upload).exists()
    assert not FootageItem.objects.exists()


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_file_is_rejected_with_a_specific_message_and_leaves_nothing_behind(people, case, api_client, name):
    filename, make, code = HOSTILE[name]
    client = api_client(people.reporter)

    response, url = upload_whole(client, incident=case, data=make(), filename=filename)

    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == code
    assert len(body["detail"]) > 20
    _assert_nothing_was_made(Upload.objects.get(), code)
    assert client.get(url).json()["rejection"] == {"code": code, "detail": body["detail"]}
    refusal = AuditEvent.objects.get(action="footage.upload_rejected")
    assert (refusal.outcome, refusal.detail["code"]) == ("refused", code)


def test_an_empty_file_is_refused_when_the_upload_is_created(people, case, api_client):
    response = create(api_client(people.reporter), incident=case, length=0)

    assert response.status_code == 422
    assert response.json()["code"] == "empty"
    assert "empty" in response.json()["detail"]
    assert not Upload.objects.exists()
    assert not FootageItem.objects.exists()


def test_a_file_larger_than_the_limit_is_refused_before_a_byte_is_stored(people, case, api_client, settings):
    before = set(Path(settings.UPLOAD_TEMP_DIR).glob("*.partial"))
    with override_settings(MAX_UPLOAD_SIZE=4096):
        response = create(api_client(people.reporter), incident=case, length=4097)

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not Upload.objects.exists()
    assert set(Path(settings.UPLOAD_TEMP_DIR).glob("*.partial")) == before


def test_a_photo_is_accepted_as_footage(people, case, api_client, tmp_path):
    from PIL import Image

    path = tmp_path / "scene.jpg"
    Image.new("RGB", (320, 240), "navy").save(path, "JPEG")

    response, _ = upload_whole(api_client(people.reporter), incident=case, data=path.read_bytes(), filename="scene.jpg", kind="photo")

    assert response.status_code == 204
    item = FootageItem.objects.get()
    assert (item.media_type, item.mime, item.width, item.height) == ("image", "image/jpeg", 320, 240)
    assert [job.kind for job in item.jobs.all()] == ["poster"]
