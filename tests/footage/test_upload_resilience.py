"""Uploads survive what breaks around them: a server restart between chunks, a crash after the
last byte, a failing disk. Bytes already acknowledged are never lost."""

from __future__ import annotations

import builtins
import hashlib
import time

import pytest

from footage import uploads
from footage.models import FootageItem, Upload, UploadState
from tests.factories.footage import clip_file
from tests.footage.tus_helpers import create, head, patch

pytestmark = pytest.mark.django_db


def test_after_a_restart_the_hash_is_rebuilt_from_the_bytes_on_disk(people, case, api_client):
    data = clip_file().read_bytes()
    client = api_client(people.reporter)
    url = create(client, incident=case, length=len(data))["Location"]
    half = len(data) // 2
    patch(client, url, data[:half], offset=0)

    uploads._hashers.clear()  # what a restarted worker has
    response = patch(client, url, data[half:], offset=half)

    assert response.status_code == 204, response.content
    assert FootageItem.objects.get().sha256 == hashlib.sha256(data).hexdigest()


def test_a_worker_behind_on_the_hash_catches_up_from_disk(people, case, api_client):
    data = clip_file().read_bytes()
    client = api_client(people.reporter)
    url = create(client, incident=case, length=len(data))["Location"]
    third = len(data) // 3
    patch(client, url, data[:third], offset=0)
    upload = Upload.objects.get()
    behind = uploads._hashers[upload.pk]
    patch(client, url, data[third : 2 * third], offset=third)

    uploads._hashers[upload.pk] = behind  # as if another worker had taken the middle chunk
    response = patch(client, url, data[2 * third :], offset=2 * third)

    assert response.status_code == 204
    assert FootageItem.objects.get().sha256 == hashlib.sha256(data).hexdigest()


def test_a_chunk_that_lands_on_another_worker_goes_on_from_the_saved_hash_without_reading_the_file_back(
    people, case, api_client, monkeypatch
):
    data = clip_file().read_bytes()
    client = api_client(people.reporter)
    url = create(client, incident=case, length=len(data))["Location"]
    half = len(data) // 2
    patch(client, url, data[:half], offset=0)

    uploads._hashers.clear()  # the next chunk reaches a process that never saw this upload

    def no_read_back(*args, **kwargs):
        raise AssertionError("the received bytes were read back to rebuild the hash")

    monkeypatch.setattr(uploads.IncrementalSha256, "resume", no_read_back)
    monkeypatch.setattr(uploads, "_catch_up", no_read_back)
    response = patch(client, url, data[half:], offset=half)

    assert response.status_code == 204, response.content
    assert FootageItem.objects.get().sha256 == hashlib.sha256(data).hexdigest()


def test_bytes_changed_on_disk_before_another_worker_takes_the_next_chunk_are_refused(people, case, api_client):
    data = clip_file().read_bytes()
    client = api_client(people.reporter)
    url = create(client, incident=case, length=len(data))["Location"]
    half = len(data) // 2
    patch(client, url, data[:half], offset=0)
    upload = Upload.objects.get()
    uploads._hashers.clear()
    time.sleep(0.05)  # later than the chunk by more than a clock tick, which kernels before 6.13 cannot tell apart
    with open(uploads.partial_path(upload), "r+b") as f:
        f.seek(half // 2)
        f.write(bytes([data[half // 2] ^ 0xFF]))

    response = patch(client, url, data[half:], offset=half)

    assert response.status_code == 422, response.content
    upload.refresh_from_db()
    assert (upload.state, upload.rejection_code) == (UploadState.REJECTED, "hash_mismatch")
    assert not FootageItem.objects.exists()


def test_an_upload_whose_server_died_after_the_last_byte_is_finished_by_the_next_head(people, case, api_client):
    data = clip_file().read_bytes()
    client = api_client(people.reporter)
    url = create(client, incident=case, length=len(data))["Location"]
    upload = Upload.objects.get()
    uploads.partial_path(upload).write_bytes(data)
    Upload.objects.filter(pk=upload.pk).update(offset=len(data))
    uploads._hashers.clear()

    response = head(client, url)

    assert response.status_code == 200
    assert response["Upload-Offset"] == str(len(data))
    upload.refresh_from_db()
    assert upload.state == UploadState.INGESTED
    assert upload.footage.sha256 == hashlib.sha256(data).hexdigest()


def test_a_write_error_refuses_the_chunk_but_keeps_the_upload(people, case, api_client, monkeypatch):
    client = api_client(people.reporter)
    url = create(client, incident=case, length=1000)["Location"]
    patch(client, url, b"a" * 100, offset=0)
    upload = Upload.objects.get()
    real_open = builtins.open

    class FullDisk:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def __getattr__(self, name):
            return getattr(self.f, name)

        def write(self, data):
            raise OSError(28, "No space left on device")

    def failing_open(path, mode="r", *args, **kwargs):
        f = real_open(path, mode, *args, **kwargs)
        return FullDisk(f) if str(path).endswith(".partial") and "+" in mode else f

    monkeypatch.setattr(builtins, "open", failing_open)
    response = patch(client, url, b"b" * 100, offset=100)
    monkeypatch.undo()

    assert response.status_code == 503
    assert response.json()["code"] == "storage_unavailable"
    upload.refresh_from_db()
    assert (upload.state, upload.offset) == (UploadState.RECEIVING, 100)
    assert uploads.partial_path(upload).read_bytes() == b"a" * 100
    assert patch(client, url, b"b" * 100, offset=100).status_code == 204


def test_an_uploader_who_lost_the_right_to_add_evidence_midway_is_refused_at_the_end(people, case, api_client):
    from incidents.workflow import apply_transition

    data = clip_file().read_bytes()
    client = api_client(people.investigator)
    url = create(client, incident=case, length=len(data))["Location"]
    patch(client, url, data[:-10], offset=0)
    apply_transition(case, "propose_findings", actor=people.investigator, reason="Done.", outcome="sustained")
    apply_transition(case, "approve_findings", actor=people.supervisor, reason="Agreed.")

    response = patch(client, url, data[-10:], offset=len(data) - 10)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not FootageItem.objects.exists()
    assert Upload.objects.get().state == UploadState.REJECTED
