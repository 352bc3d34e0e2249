"""The signed manifest: anyone holding the city's public key can tell a changed file or manifest."""

from __future__ import annotations

import base64
import json
import os
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command

from releases.manifest import build_manifest, canonical_bytes
from releases.signing import (
    SigningKeyError,
    generate_key_file,
    load_public_key_pem,
    private_key_from_setting,
    public_key_pem,
    sign,
)
from releases.verification import verify_file_against_manifest


def _signed_release(tmp_path, key):
    data = os.urandom(200_000)
    path = tmp_path / "release.mp4"
    path.write_bytes(data)
    import hashlib

    manifest = build_manifest(
        release_id=7, incident_reference="INC-2026-0001", file_name="release.mp4", size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), original_sha256="a" * 64,
        redaction={"automatic_faces_hidden": 2}, pipeline_version="p 1", model_sha256="b" * 64,
        approved_at="2026-01-01T00:00:00Z", published_at="2026-01-02T00:00:00Z",
        issuer="City of Example",
    )
    return path, manifest, sign(key, canonical_bytes(manifest))


def test_an_untouched_file_verifies_against_its_manifest(tmp_path):
    key = Ed25519PrivateKey.generate()
    path, manifest, signature = _signed_release(tmp_path, key)
    result = verify_file_against_manifest(path, manifest, signature, key.public_key())
    assert result.ok, result.reasons
    with open(path, "rb") as f:
        assert verify_file_against_manifest(f, manifest, signature, key.public_key()).ok


def test_one_changed_byte_in_the_file_fails_verification(tmp_path):
    key = Ed25519PrivateKey.generate()
    path, manifest, signature = _signed_release(tmp_path, key)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    result = verify_file_against_manifest(path, manifest, signature, key.public_key())
    assert not result.ok
    assert any("SHA-256" in r for r in result.reasons)


def test_one_changed_byte_in_the_manifest_breaks_the_signature(tmp_path):
    key = Ed25519PrivateKey.generate()
    path, manifest, signature = _signed_release(tmp_path, key)
    sha = manifest["file"]["sha256"]
    manifest["file"]["sha256"] = sha[:-1] + ("0" if sha[-1] != "0" else "1")
    result = verify_file_against_manifest(path, manifest, signature, key.public_key())
    assert not result.ok
    assert any("signature" in r for r in result.reasons)


def test_one_changed_byte_in_the_signature_fails(tmp_path):
    key = Ed25519PrivateKey.generate()
    path, manifest, signature = _signed_release(tmp_path, key)
    raw = bytearray(base64.b64decode(signature))
    raw[0] ^= 0x01
    result = verify_file_against_manifest(path, manifest, base64.b64encode(bytes(raw)).decode(), key.public_key())
    assert not result.ok


def test_another_key_cannot_vouch_for_the_citys_manifest(tmp_path):
    path, manifest, signature = _signed_release(tmp_path, Ed25519PrivateKey.generate())
    assert not verify_file_against_manifest(path, manifest, signature, Ed25519PrivateKey.generate().public_key()).ok


def test_garbage_signatures_and_manifests_fail_without_an_exception(tmp_path):
    key = Ed25519PrivateKey.generate()
    path, manifest, _ = _signed_release(tmp_path, key)
    assert not verify_file_against_manifest(path, manifest, "not base64!!", key.public_key()).ok
    assert not verify_file_against_manifest(path, ["not", "an", "object"], "", key.public_key()).ok


def test_the_canonical_form_ignores_key_order_and_whitespace():
    assert canonical_bytes({"b": 1, "a": [1, 2]}) == canonical_bytes(json.loads('{ "a": [1,  2], "b": 1 }'))


def test_the_key_command_writes_a_private_file_and_never_overwrites(tmp_path):
    path = tmp_path / "keys" / "release.pem"
    call_command("create_release_signing_key", "--path", str(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_bytes()
    with pytest.raises(CommandError):
        call_command("create_release_signing_key", "--path", str(path))
    assert path.read_bytes() == before
    key = private_key_from_setting(str(path))
    assert load_public_key_pem(public_key_pem(key.public_key())) is not None


def test_a_raw_base64_key_in_the_environment_works_and_junk_is_refused(tmp_path):
    key = Ed25519PrivateKey.generate()
    from cryptography.hazmat.primitives import serialization

    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    loaded = private_key_from_setting(base64.b64encode(raw).decode())
    assert public_key_pem(loaded.public_key()) == public_key_pem(key.public_key())
    with pytest.raises(SigningKeyError):
        private_key_from_setting("bm90IGEga2V5")
    with pytest.raises(SigningKeyError):
        private_key_from_setting(str(tmp_path / "missing.pem"))


def test_the_verify_command_exits_non_zero_on_a_changed_byte(tmp_path, settings):
    key_path = tmp_path / "k.pem"
    key = generate_key_file(key_path)
    settings.RELEASE_SIGNING_KEY = str(key_path)
    path, manifest, signature = _signed_release(tmp_path, key)
    doc = tmp_path / "manifest.json"
    doc.write_text(json.dumps({"manifest": manifest, "signature": signature}))
    call_command("verify_release", str(path), str(doc))
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CommandError):
        call_command("verify_release", str(path), str(doc))
