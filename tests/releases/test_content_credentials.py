"""C2PA Content Credentials in release copies: anyone with the city's published root and any C2PA
reader can tell what was done to a released file, and that it was not changed since."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from django.core.management import CommandError, call_command

from releases import content_credentials as cc

ORIGINAL = "ab" * 32


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    d = tmp_path_factory.mktemp("ca")
    return cc.create_certificate_authority(root_cert=d / "root.pem", chain=d / "chain.pem", key=d / "key.pem", city="Testville")


@pytest.fixture(scope="module")
def plain_mp4(tmp_path_factory):
    path = tmp_path_factory.mktemp("mp4") / "plain.mp4"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=2",
         "-f", "lavfi", "-i", "sine=duration=2", "-c:v", "libx264", "-c:a", "aac", "-movflags", "+faststart", str(path)],
        check=True, timeout=60,
    )
    return path


def _signed(ca, plain_mp4, tmp_path) -> Path:
    definition = cc.build_manifest_definition(
        title="INC-1-release-1.mp4", original_sha256=ORIGINAL, faces_hidden=3, regions_by_reason={"minor": 1},
        regions_left_unhidden=1, audio_ranges_muted=2, pipeline_version="pipeline 9.9", release={"release_id": 1},
    )
    out = tmp_path / "signed.mp4"
    cc.sign_mp4(plain_mp4, out, definition, chain_pem=ca.chain.read_bytes(), key_pem=ca.key.read_bytes(), original_sha256=ORIGINAL)
    return out


def test_a_signed_copy_is_trusted_with_the_city_root_and_says_what_was_hidden(ca, plain_mp4, tmp_path):
    report = cc.read_credentials(_signed(ca, plain_mp4, tmp_path), root_pem=ca.root_cert.read_bytes())
    assert report.trusted, report.problems
    actions = next(a for a in report.manifest["assertions"] if a["label"].startswith("c2pa.actions"))["data"]["actions"]
    edited = next(a for a in actions if a["action"] == "c2pa.edited")
    assert "hidden" in edited["description"] and "muted" in edited["description"]
    assert edited["softwareAgent"]["version"] == "pipeline 9.9"
    assert edited["parameters"]["faces_hidden_automatically"] == 3
    (ingredient,) = report.manifest["ingredients"]
    assert ingredient["relationship"] == "parentOf"
    assert ingredient["metadata"]["sha256"] == ORIGINAL and "plain" not in ingredient["title"]


def test_one_changed_byte_in_mdat_fails_verification(ca, plain_mp4, tmp_path):
    data = bytearray(_signed(ca, plain_mp4, tmp_path).read_bytes())
    data[data.find(b"mdat") + 200] ^= 0x01
    changed = tmp_path / "changed.mp4"
    changed.write_bytes(bytes(data))
    report = cc.read_credentials(changed, root_pem=ca.root_cert.read_bytes())
    assert not report.trusted
    assert any("mismatch" in p for p in report.problems)


def test_a_copy_signed_by_another_authority_is_not_trusted(ca, plain_mp4, tmp_path):
    other = cc.create_certificate_authority(root_cert=tmp_path / "r.pem", chain=tmp_path / "c.pem", key=tmp_path / "k.pem", city="Else")
    report = cc.read_credentials(_signed(ca, plain_mp4, tmp_path), root_pem=other.root_cert.read_bytes())
    assert not report.trusted


def test_signing_adds_kilobytes_and_keeps_the_copy_fast_start(ca, plain_mp4, tmp_path):
    signed = _signed(ca, plain_mp4, tmp_path)
    assert signed.stat().st_size - plain_mp4.stat().st_size < 64 * 1024
    boxes = cc.top_level_boxes(signed)
    assert boxes.index("moov") < boxes.index("mdat")
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(signed)],
                           capture_output=True, text=True, timeout=30, check=True)
    assert float(probe.stdout) == pytest.approx(2.0, abs=0.1)


def test_the_ca_command_makes_a_root_and_a_leaf_it_issued_for_document_signing(tmp_path):
    call_command("create_content_credentials_ca", root=str(tmp_path / "root.pem"), chain=str(tmp_path / "chain.pem"),
                 key=str(tmp_path / "key.pem"))
    leaf, root = x509.load_pem_x509_certificates((tmp_path / "chain.pem").read_bytes())
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert leaf.issuer == root.subject and leaf.subject != leaf.issuer
    assert cc.DOCUMENT_SIGNING_EKU in leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert leaf.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    with pytest.raises(CommandError):
        call_command("create_content_credentials_ca", root=str(tmp_path / "root.pem"), chain=str(tmp_path / "c2.pem"),
                     key=str(tmp_path / "k2.pem"))


@pytest.mark.django_db
def test_the_root_is_published_as_the_trust_anchor(client):
    from releases.credentials import load_credentials

    response = client.get("/.well-known/content-credentials-root.pem")
    assert response.status_code == 200
    assert response.content == load_credentials().root_pem
    assert x509.load_pem_x509_certificate(response.content).extensions.get_extension_for_class(x509.BasicConstraints).value.ca


@pytest.mark.django_db
def test_a_release_published_through_the_workflow_carries_trusted_credentials_and_is_in_the_log(
    in_review, people, client, tmp_path, django_capture_on_commit_callbacks, settings
):
    from releases.models import ReleaseState
    from tests.factories.releases import approve_and_publish, clear_all_findings
    from tests.factories.tsa import LocalTSA

    tsa = LocalTSA()
    (tmp_path / "tsa.pem").write_bytes(tsa.root_pem())
    settings.TIMESTAMP_AUTHORITY_ROOTS = str(tmp_path / "tsa.pem")
    with tsa.serving() as url, django_capture_on_commit_callbacks(execute=True):
        settings.TIMESTAMP_AUTHORITIES = [url]
        release = approve_and_publish(clear_all_findings(in_review, officer=people.officer), approver=people.second_officer)
    assert release.state == ReleaseState.PUBLISHED
    root = client.get("/.well-known/content-credentials-root.pem").content
    local = tmp_path / "downloaded.mp4"
    with release.release_file.open("rb") as f:
        local.write_bytes(f.read())
    import hashlib

    assert hashlib.sha256(local.read_bytes()).hexdigest() == release.release_sha256 == release.manifest["file"]["sha256"]
    report = cc.read_credentials(local, root_pem=root)
    assert report.trusted, report.problems
    (ingredient,) = report.manifest["ingredients"]
    assert ingredient["metadata"]["sha256"] == release.original_sha256
    assert release.footage.original.name.rsplit("/", 1)[-1] not in str(report.manifest)
    labels = {a["label"]: a["data"] for a in report.manifest["assertions"]}
    assert labels[cc.RELEASE_ASSERTION]["incident_reference"] == release.incident.reference
    actions = labels["c2pa.actions.v2"]["actions"]
    assert any(a["action"] == "c2pa.edited" and a["softwareAgent"]["version"] == release.pipeline_version for a in actions)
    boxes = cc.top_level_boxes(local)
    assert boxes.index("moov") < boxes.index("mdat")

    from portal.transparency_log import canonical, release_entry
    from transparency import logcheck, merkle

    sth = client.get("/log/sth").json()
    leaf = merkle.leaf_hash(canonical(release_entry(release))).hex()
    proof = client.get(f"/log/proof/inclusion?leaf_hash={leaf}&tree_size={sth['tree_size']}").json()
    logcheck.check_inclusion(leaf, proof["leaf_index"], sth, proof["audit_path"])
    from portal.transparency_log import log_missing_releases

    assert log_missing_releases() == []  # already logged at publication: the backfill adds nothing
    page = client.post("/verify/", {"release": release.pk, "sha256": release.release_sha256})
    assert page.status_code == 200
    assert "in the city&#x27;s public log" in page.content.decode() or "in the city's public log" in page.content.decode()
    from portal.models import TimestampToken

    assert TimestampToken.objects.filter(subject="release_manifest", subject_id=release.pk).exists()
    assert TimestampToken.objects.filter(subject="tree_head").exists()
