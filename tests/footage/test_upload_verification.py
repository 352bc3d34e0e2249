"""An upload's stored copy is exactly what the client sent: each range is read back and compared as
it is written, and completion reads the whole file again wherever nothing can vouch for it since
(the file changed, a request died in the middle of a chunk, the machine restarted)."""

from __future__ import annotations

import hashlib
import time

import pytest

from footage import uploads
from footage.custody import custody_log
from footage.models import CustodyAction, FootageItem, Upload, UploadState
from tests.factories.footage import clip_file
from tests.footage.tus_helpers import create, head, patch

pytestmark = pytest.mark.django_db


def _first_half_sent(client, case):
    data = clip_file().read_bytes()
    url = create(client, incident=case, length=len(data))["Location"]
    half = len(data) // 2
    assert patch(client, url, data[:half], offset=0).status_code == 204
    return data, url, half, Upload.objects.get()


def _flip_byte(upload, position: int, data: bytes) -> None:
    # Paused longer than a clock tick: kernels before 6.13 give changes within one tick the same ctime.
    time.sleep(0.05)
    with open(uploads.partial_path(upload), "r+b") as f:
        f.seek(position)
        f.write(bytes([data[position] ^ 0xFF]))


def _count_whole_file_reads(monkeypatch) -> list:
    reads = []
    real = uploads._hash_whole_file

    def counted(path, held):
        reads.append(path)
        return real(path, held)

    monkeypatch.setattr(uploads, "_hash_whole_file", counted)
    return reads


def _how_the_hash_was_verified() -> str:
    return custody_log(FootageItem.objects.get()).get(action=CustodyAction.HASH_COMPUTED).detail["how"]


def _a_byte_changed(write_all):
    def write(f, view):
        changed = bytearray(view)
        changed[len(changed) // 2] ^= 0xFF
        write_all(f, memoryview(changed))

    return write


def _a_piece_lost(write_all):
    def write(f, view):
        write_all(f, view[10:])

    return write


@pytest.mark.parametrize("fault", [_a_byte_changed, _a_piece_lost], ids=["a byte changed", "a piece lost"])
def test_it_refuses_a_chunk_the_disk_stored_differently_from_what_was_received_and_keeps_the_upload(
    people, case, api_client, monkeypatch, fault
):
    client = api_client(people.reporter)
    data, url, half, upload = _first_half_sent(client, case)
    monkeypatch.setattr(uploads, "_write_all", fault(uploads._write_all))

    response = patch(client, url, data[half:], offset=half)
    monkeypatch.undo()

    assert response.status_code == 503, response.content
    assert response.json()["code"] == "storage_unavailable"
    upload.refresh_from_db()
    assert (upload.state, upload.offset) == (UploadState.RECEIVING, half)
    assert uploads.partial_path(upload).read_bytes() == data[:half]
    assert patch(client, url, data[half:], offset=half).status_code == 204
    assert FootageItem.objects.get().sha256 == hashlib.sha256(data).hexdigest()


def test_a_file_read_back_chunk_by_chunk_is_stored_without_being_read_again(people, case, api_client, monkeypatch):
    client = api_client(people.reporter)
    data, url, half, upload = _first_half_sent(client, case)
    reads = _count_whole_file_reads(monkeypatch)
    uploads._hashers.clear()  # the next chunk reaches another worker: the row vouches for the first

    response = patch(client, url, data[half:], offset=half)

    assert response.status_code == 204, response.content
    assert reads == []
    assert FootageItem.objects.get().sha256 == hashlib.sha256(data).hexdigest()
    assert "each range read back and compared" in _how_the_hash_was_verified()


def test_an_upload_whose_server_stopped_after_the_last_byte_is_finished_by_a_head_without_reading_it_again(
    people, case, api_client, monkeypatch
):
    client = api_client(people.reporter)
    data, url, half, upload = _first_half_sent(client, case)

    def stopped(*args, **kwargs):
        raise uploads.UploadError("storage_unavailable", "The server stopped.", status=503)

    monkeypatch.setattr(uploads, "finalize", stopped)
    assert patch(client, url, data[half:], offset=half).status_code == 503
    monkeypatch.undo()
    uploads._hashers.clear()
    reads = _count_whole_file_reads(monkeypatch)

    response = head(client, url)

    assert response.status_code == 200
    upload.refresh_from_db()
    assert upload.state == UploadState.INGESTED
    assert reads == []
    assert upload.footage.sha256 == hashlib.sha256(data).hexdigest()


def test_it_refuses_at_completion_a_file_changed_on_disk_while_the_upload_was_paused(people, case, api_client):
    client = api_client(people.reporter)
    data, url, half, upload = _first_half_sent(client, case)
    _flip_byte(upload, half // 2, data)

    response = patch(client, url, data[half:], offset=half)

    assert response.status_code == 422, response.content
    upload.refresh_from_db()
    assert (upload.state, upload.rejection_code) == (UploadState.REJECTED, "hash_mismatch")
    assert not FootageItem.objects.exists()


def test_after_a_request_died_in_the_middle_of_a_chunk_completion_reads_the_whole_file_again(
    people, case, api_client, monkeypatch
):
    client = api_client(people.reporter)
    data, url, half, upload = _first_half_sent(client, case)
    with open(uploads.partial_path(upload), "ab") as f:
        f.write(data[half : half + 1000])  # written, never fsynced nor acknowledged
    uploads._hashers.clear()  # its worker was restarted
    reads = _count_whole_file_reads(monkeypatch)

    response = patch(client, url, data[half:], offset=half)

    assert response.status_code == 204, response.content
    assert len(reads) == 1
    assert FootageItem.objects.get().sha256 == hashlib.sha256(data).hexdigest()
    assert "whole stored copy read again" in _how_the_hash_was_verified()


def test_after_the_machine_restarted_completion_finds_acknowledged_bytes_the_disk_lost(
    people, case, api_client, monkeypatch
):
    client = api_client(people.reporter)
    data, url, half, upload = _first_half_sent(client, case)
    # A crash can lose writes the disk had acknowledged while the file still looks as it did.
    _flip_byte(upload, half // 2, data)
    Upload.objects.filter(pk=upload.pk).update(file_state=uploads._file_state(uploads.partial_path(upload)))
    monkeypatch.setattr(uploads, "_BOOT_ID", "the next boot")
    uploads._hashers.clear()

    response = patch(client, url, data[half:], offset=half)

    assert response.status_code == 422, response.content
    upload.refresh_from_db()
    assert (upload.state, upload.rejection_code) == (UploadState.REJECTED, "hash_mismatch")
