"""The server finds a user's unfinished upload from the file chosen (name, size and the SHA-256 of
its first and last MiB), whichever browser asks."""

from __future__ import annotations

import pytest

from tests.footage.tus_helpers import TUS, metadata

pytestmark = pytest.mark.django_db

PRINT = "ab" * 32


def _create(client, case, *, fingerprint=PRINT, length=4000, filename="long.mp4"):
    return client.generic("POST", "/api/uploads/", **TUS, HTTP_UPLOAD_LENGTH=str(length),
                          HTTP_UPLOAD_METADATA=metadata(filename=filename, incident=case.pk, kind="body_worn", fingerprint=fingerprint))


def _find(client, *, fingerprint=PRINT, length=4000, filename="long.mp4"):
    return client.get("/api/uploads/", {"fingerprint": fingerprint, "filename": filename, "length": length}).json()["results"]


def test_it_finds_the_users_unfinished_upload_of_the_same_file_with_its_case_reference(api_client, people, case):
    client = api_client(people.reporter)
    location = _create(client, case)["Location"]

    found = _find(client)

    assert [u["url"] for u in found] == [location]
    assert found[0]["incident_reference"] == case.reference


def test_it_finds_nothing_for_another_file_or_another_user(api_client, people, case):
    _create(api_client(people.reporter), case)

    assert _find(api_client(people.reporter), fingerprint="cd" * 32) == []
    assert _find(api_client(people.reporter), length=4001) == []
    assert _find(api_client(people.investigator)) == []


def test_it_refuses_a_fingerprint_that_is_not_a_sha256(api_client, people, case):
    response = _create(api_client(people.reporter), case, fingerprint="not-a-hash")
    assert response.status_code == 400 and "fingerprint" in response.json()["detail"]
