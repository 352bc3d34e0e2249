"""Footage on S3-compatible storage (moto's S3 server on loopback): ingest, processing and the
audited download work through the storage API alone, with no local path to lean on."""

from __future__ import annotations

import hashlib

import pytest

from footage.models import FootageItem, FootageStatus
from media import sha256_file
from tests.factories.footage import clip_file, make_footage
from tests.s3 import BUCKET, s3_client, s3_endpoint, s3_storage  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def footage_on_s3(s3_endpoint, monkeypatch):
    """Point the footage model's file fields at S3, as STORAGE_BACKEND=s3 does at start-up.
    (FileField resolves its storage once, when the model class is built.)"""
    evidence, derived = s3_storage(s3_endpoint, "evidence"), s3_storage(s3_endpoint, "derived")
    fields = FootageItem._meta
    monkeypatch.setattr(fields.get_field("original"), "storage", evidence)
    for name in ("proxy", "poster", "thumbnail_strip"):
        monkeypatch.setattr(fields.get_field(name), "storage", derived)
    return s3_endpoint


def test_an_original_is_stored_privately_on_s3_processed_and_downloaded_intact(footage_on_s3, people, case, api_client):
    item = make_footage(incident=case, uploaded_by=people.reporter, process=True)

    assert item.status == FootageStatus.READY
    keys = {o["Key"] for o in s3_client(footage_on_s3).list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert f"evidence/{item.original.name}" in keys
    assert f"derived/{item.proxy.name}" in keys and f"derived/{item.poster.name}" in keys
    acl = s3_client(footage_on_s3).get_object_acl(Bucket=BUCKET, Key=f"evidence/{item.original.name}")
    assert not [g for g in acl["Grants"] if g["Grantee"].get("URI", "").endswith("AllUsers")]

    response = api_client(people.investigator).get(f"/api/footage/{item.pk}/original/")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == item.sha256 == sha256_file(clip_file())
