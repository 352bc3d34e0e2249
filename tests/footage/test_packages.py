"""Case packages: one streamed ZIP with the originals, the manifest of their SHA-256, custody
reports, the audit trail and release manifests, signed with the city's key; verification names
any file that changed; a 2 GB package streams with flat memory."""

from __future__ import annotations

import hashlib
import json
import struct
import zipfile

import pytest
from django.core.management import CommandError, call_command

from footage.custody import record_custody
from footage.lifecycle_errors import LifecycleRefused
from footage.models import CustodyAction, FootageItem, FootageStatus
from footage.packages import MANIFEST, start_package, verify_package
from footage.retention import set_do_not_disclose
from tests.factories.footage import make_footage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _signing_key(settings, tmp_path_factory):
    from releases.signing import generate_key_file

    path = tmp_path_factory.mktemp("package-key") / "key.pem"
    generate_key_file(path)
    settings.RELEASE_SIGNING_KEY = str(path)


def write_package(stream, path):
    with open(path, "wb") as f:
        for chunk in stream:
            f.write(chunk)
    return path


def flip_a_byte_of(path, member: str, at: int = 100) -> None:
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    with open(path, "r+b") as f:
        f.seek(info.header_offset)
        header = f.read(30)
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        f.seek(info.header_offset + 30 + name_len + extra_len + at)
        byte = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([byte[0] ^ 0x01]))


def test_a_package_holds_the_originals_reports_and_trail_and_verifies(people, case, tmp_path):
    item = make_footage(incident=case, uploaded_by=people.investigator, process=False)
    path = write_package(start_package(case, actor=people.investigator), tmp_path / "case.zip")

    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        original = next(n for n in names if n.startswith("originals/"))
        assert hashlib.sha256(archive.read(original)).hexdigest() == item.sha256
        assert {f"custody/footage-{item.pk}.csv", f"custody/footage-{item.pk}.pdf", "audit-trail.json", MANIFEST,
                "MANIFEST.json.sig", "signing-key.pem"} <= names
        assert archive.read(f"custody/footage-{item.pk}.pdf").startswith(b"%PDF")
    report = verify_package(str(path))
    assert report.ok and report.signature_ok and report.checked == 4
    assert item.custody_events.filter(action=CustodyAction.PACKAGED).exists()


def test_one_changed_byte_is_named(people, case, tmp_path):
    item = make_footage(incident=case, uploaded_by=people.investigator, process=False)
    path = write_package(start_package(case, actor=people.supervisor), tmp_path / "case.zip")
    original = f"originals/{item.pk}-{item.original_filename}"
    flip_a_byte_of(path, original)

    report = verify_package(str(path))
    assert not report.ok and report.changed == [original]
    with pytest.raises(CommandError):
        call_command("verify_case_package", str(path))


def test_a_rewritten_manifest_breaks_the_signature(people, case, tmp_path):
    make_footage(incident=case, uploaded_by=people.investigator, process=False)
    path = write_package(start_package(case, actor=people.supervisor), tmp_path / "case.zip")
    flip_a_byte_of(path, MANIFEST, at=5)
    report = verify_package(str(path))
    assert not report.ok and MANIFEST in report.changed


def test_do_not_disclose_footage_stays_out_of_the_package(people, case, tmp_path):
    kept = make_footage(incident=case, uploaded_by=people.investigator, process=False)
    secret = make_footage(incident=case, uploaded_by=people.investigator, process=False, filename="informant.mp4")
    set_do_not_disclose(secret, actor=people.supervisor, value=True, reason="Informant")
    path = write_package(start_package(case, actor=people.supervisor), tmp_path / "case.zip")
    with zipfile.ZipFile(path) as archive:
        originals = [n for n in archive.namelist() if n.startswith("originals/")]
    assert originals == [f"originals/{kept.pk}-{kept.original_filename}"]


def test_only_investigators_supervisors_and_auditors_of_the_case_take_a_package(people, case):
    for outsider in (people.reporter, people.other_investigator, people.release_officer, people.admin):
        with pytest.raises(LifecycleRefused):
            start_package(case, actor=outsider)


def test_without_its_signing_key_a_package_is_refused_with_the_error_body_and_no_export_is_recorded(people, case, settings, api_client, tmp_path):
    from django.test import Client
    from django.urls import reverse

    from footage.models import CustodyEvent
    from portal.models import AuditEvent
    from tests.personas import sign_in_verified

    make_footage(incident=case, uploaded_by=people.investigator, process=False)
    settings.RELEASE_SIGNING_KEY = str(tmp_path / "no-such-key.pem")
    client = Client()
    sign_in_verified(client, people.investigator)

    api = api_client(people.investigator).get(reverse("footage-api:case-package", args=[case.pk]))
    page = client.get(reverse("footage:package", args=[case.pk]), follow=True)

    assert api.status_code == 503
    assert api.json()["code"] == "no_signing_key"
    assert "cannot be signed" in api.json()["detail"]
    assert page.status_code == 200
    assert "The case package cannot be signed" in page.content.decode()
    assert not AuditEvent.objects.filter(action="package.downloaded").exists()
    assert not CustodyEvent.objects.filter(action=CustodyAction.PACKAGED).exists()


def _rss_kib() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


# The SHA-256 of the file below (zeros, then "last!"), worked out once: the package and its
# verification each read the two gigabytes already, and a test's own pass would be a third.
SPARSE_2_GB_SHA256 = "d90e1977bf4c2fd6b42323cbb65922032304cc3938517230ff05d4f9ae43ad07"


@pytest.mark.slow
def test_a_2_gb_package_streams_with_flat_memory_and_verifies(people, case, tmp_path):
    size = 2 * 1024**3 + 12345
    storage = FootageItem._meta.get_field("original").storage
    name = storage.save("originals/big/bodycam-2gb.mp4", __import__("io").BytesIO(b""))
    with open(storage.path(name), "r+b") as f:  # sparse: two gigabytes that cost no disk
        f.truncate(size)
        f.seek(size - 5)
        f.write(b"last!")
    item = FootageItem.objects.create(
        incident=case, kind="body_worn", uploaded_by=people.investigator, original_filename="bodycam-2gb.mp4",
        original=name, size=size, sha256=SPARSE_2_GB_SHA256, media_type="video", mime="video/mp4", status=FootageStatus.READY,
    )
    record_custody(item, CustodyAction.INGESTED, actor=people.investigator, detail={"size": size})

    package = tmp_path / "big.zip"
    try:
        stream = start_package(case, actor=people.investigator)
        baseline, peak, total = _rss_kib(), 0, 0
        with open(package, "wb") as f:
            for chunk in stream:
                total += len(chunk)
                f.write(chunk)
                peak = max(peak, _rss_kib())
        assert total > size
        assert peak - baseline < 64 * 1024, f"RSS grew by {(peak - baseline) // 1024} MiB while streaming 2 GB"

        report = verify_package(str(package))
        assert report.ok, report
        with zipfile.ZipFile(package) as archive:
            files = json.loads(archive.read(MANIFEST))["files"]
        assert {"path": f"originals/{item.pk}-bodycam-2gb.mp4", "sha256": SPARSE_2_GB_SHA256, "size": size} in files
    finally:  # two real gigabytes on a shared disk
        package.unlink(missing_ok=True)
        storage.delete(name)
