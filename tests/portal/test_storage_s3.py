"""The same storage code on S3-compatible storage, against moto's S3 server on loopback."""

import io

from tests.s3 import BUCKET, s3_client, s3_endpoint, s3_storage  # noqa: F401 (fixture)


def test_files_round_trip_through_s3_and_stay_private(s3_endpoint):
    storage = s3_storage(s3_endpoint, "evidence")
    name = storage.save("incident-1/clip.mp4", io.BytesIO(b"\x00\x00\x00\x18ftypmp42" + b"x" * 1000))
    assert storage.exists(name)
    with storage.open(name) as fh:
        assert fh.read()[4:8] == b"ftyp"
    acl = s3_client(s3_endpoint).get_object_acl(Bucket=BUCKET, Key=f"evidence/{name}")
    assert not [g for g in acl["Grants"] if g["Grantee"].get("URI", "").endswith("AllUsers")]


def test_a_second_file_with_the_same_name_never_overwrites_the_first(s3_endpoint):
    storage = s3_storage(s3_endpoint, "evidence")
    first = storage.save("same.bin", io.BytesIO(b"first"))
    second = storage.save("same.bin", io.BytesIO(b"second"))
    assert first != second
    with storage.open(first) as fh:
        assert fh.read() == b"first"


def test_the_settings_switch_to_s3_from_the_environment(monkeypatch):
    import subprocess, sys, os
    from pathlib import Path
    env = dict(os.environ, STORAGE_BACKEND="s3", AWS_STORAGE_BUCKET_NAME="b", AWS_S3_ENDPOINT_URL="http://127.0.0.1:1")
    code = "import django; django.setup(); from django.core.files.storage import storages; print(type(storages['evidence']).__name__, storages['evidence'].location)"
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["S3Storage", "evidence"], out.stderr
