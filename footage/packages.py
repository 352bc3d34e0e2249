"""The case package: one ZIP a court can take, streamed as it is made (never held in memory nor
written whole to disk), with the originals, MANIFEST.json (SHA-256 and size of every other file),
the custody reports (PDF and CSV), the case's audit trail, the release manifests, and an Ed25519
signature over MANIFEST.json with the city's release-signing key. `verify_package` reads a
package back and names every file that is changed, missing or added.

zipfile writes to an unseekable sink with data descriptors (and ZIP64, for originals over 4 GB),
so each piece of an original goes out as soon as it is written. Members are stored, not deflated:
video does not compress, and stored originals are byte for byte what was ingested.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from datetime import timezone as dt_timezone
from typing import BinaryIO, Iterator

from django.contrib.auth.models import User
from django.db.models import Q
from django.utils import timezone

from incidents.access import is_visible
from incidents.models import Incident
from portal.audit import record_event
from portal.models import AuditEvent, AuditOutcome
from portal.refusals import Refused
from portal.roles import Role, has_role
from releases.signing import SigningKeyError, load_public_key_pem, load_signing_key, public_key_pem, sign, signature_is_valid

from .custody import record_custody
from .lifecycle_errors import LifecycleRefused
from .models import CustodyAction, FootageItem
from .reports import _csv as custody_csv, _pdf as custody_pdf

PIECE = 1024 * 1024
MANIFEST = "MANIFEST.json"
SIGNATURE = "MANIFEST.json.sig"
PUBLIC_KEY = "signing-key.pem"
FORMAT = "incident-portal-case-package/1"
PACKAGE_ROLES = (Role.INVESTIGATOR, Role.SUPERVISOR, Role.AUDITOR)


def may_package(user, incident: Incident) -> bool:
    return has_role(user, *PACKAGE_ROLES) and is_visible(user, incident)


def may_verify_packages(user) -> bool:
    return has_role(user, *PACKAGE_ROLES)


class _Sink:
    """A write-only, unseekable file whose bytes are taken away as soon as they are written."""

    def __init__(self) -> None:
        self._pieces: list[bytes] = []

    def write(self, data) -> int:
        self._pieces.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._pieces)
        self._pieces.clear()
        return data


def package_items(incident: Incident):
    return FootageItem.objects.filter(incident=incident, deleted_at__isnull=True, do_not_disclose=False).order_by("pk")


def start_package(incident: Incident, *, actor: User, request=None) -> Iterator[bytes]:
    """Check the right, record the export, and return the stream of the ZIP's bytes."""
    if not may_package(actor, incident):
        record_event(actor=actor, action="package.refused", target=incident, outcome=AuditOutcome.REFUSED,
                     reason="only investigators, supervisors and auditors of the case take a package", request=request)
        raise LifecycleRefused("Only the case's investigators, supervisors and auditors download a case package.")
    try:
        key = load_signing_key()
    except SigningKeyError as exc:
        # Before the export and the custody entries: no package leaves, so none is recorded.
        raise Refused(f"The case package cannot be signed: {exc}", code="no_signing_key", status=503) from None
    items = list(package_items(incident))
    record_event(actor=actor, action="package.downloaded", target=incident, request=request,
                 detail={"footage": [item.pk for item in items]})
    for item in items:
        record_custody(item, CustodyAction.PACKAGED, actor=actor, request=request, detail={"case": incident.reference})
    return stream_package(incident, items, made_by=actor.get_username(), key=key)


def stream_package(incident: Incident, items: list[FootageItem], *, made_by: str, key) -> Iterator[bytes]:
    sink = _Sink()
    files: list[dict] = []
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        def add(name: str, chunks) -> Iterator[bytes]:
            digest, size = hashlib.sha256(), 0
            info = zipfile.ZipInfo(name, date_time=timezone.now().astimezone(dt_timezone.utc).timetuple()[:6])
            with archive.open(info, "w", force_zip64=True) as member:
                for chunk in chunks:
                    digest.update(chunk)
                    size += len(chunk)
                    member.write(chunk)
                    yield sink.take()
            files.append({"path": name, "sha256": digest.hexdigest(), "size": size})
            yield sink.take()

        for item in items:
            yield from add(f"originals/{item.pk}-{_safe(item.original_filename)}", _read(item))
            yield from add(f"custody/footage-{item.pk}.csv", [custody_csv(item)])
            yield from add(f"custody/footage-{item.pk}.pdf", [custody_pdf(item, None)])
        yield from add("audit-trail.json", [_audit_trail(incident, items)])
        for release in _releases(items):
            yield from add(f"releases/release-{release.pk}-manifest.json", [json.dumps(
                {"manifest": release.manifest, "signature": release.signature}, indent=2, sort_keys=True).encode()])
        manifest = json.dumps({
            "format": FORMAT, "case": incident.reference, "made_at": timezone.now().isoformat(), "made_by": made_by,
            "files": files,
            "withheld": [{"footage": i.pk, "why": "do-not-disclose"} for i in incident.footage.filter(do_not_disclose=True, deleted_at__isnull=True)],
            "deleted": [{"footage": i.pk, "sha256": i.sha256} for i in incident.footage.filter(deleted_at__isnull=False)],
        }, indent=2, sort_keys=True).encode()
        for name, data in ((MANIFEST, manifest), (SIGNATURE, sign(key, manifest).encode()), (PUBLIC_KEY, public_key_pem(key.public_key()))):
            archive.writestr(name, data)
            yield sink.take()
    yield sink.take()


def _read(item: FootageItem) -> Iterator[bytes]:
    with item.original.storage.open(item.original.name, "rb") as f:
        for block in iter(lambda: f.read(PIECE), b""):
            yield block


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name)[:120] or "original"


def _releases(items):
    from releases.models import Release

    return Release.objects.filter(footage__in=items).exclude(manifest={}).order_by("pk")


def _audit_trail(incident: Incident, items) -> bytes:
    events = AuditEvent.objects.filter(
        Q(object_type=incident._meta.label_lower, object_id=str(incident.pk))
        | Q(object_type=FootageItem._meta.label_lower, object_id__in=[str(i.pk) for i in items])
    ).order_by("id")
    rows = [{"id": e.pk, "occurred_at": e.occurred_at.isoformat(), "actor": e.actor_username, "action": e.action,
             "object": f"{e.object_type}:{e.object_id}", "outcome": e.outcome, "from_state": e.from_state,
             "to_state": e.to_state, "reason": e.reason, "detail": e.detail, "hash": e.hash, "prev_hash": e.prev_hash}
            for e in events]
    return json.dumps(rows, indent=2, sort_keys=True, default=str).encode()


# ---- verifying -----------------------------------------------------------------------------

@dataclass
class PackageReport:
    signature_ok: bool = False
    case: str = ""
    checked: int = 0
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.signature_ok and not (self.changed or self.missing or self.unexpected or self.problem)


def verify_package(source: str | BinaryIO, *, public_key_pem_bytes: bytes | None = None) -> PackageReport:
    """Check the signature over MANIFEST.json with the city's key (or the one given), then
    re-hash every listed file, streamed, and name what differs."""
    report = PackageReport()
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        report.problem = f"This is not a readable ZIP file ({exc})."
        return report
    with archive:
        names = set(archive.namelist())
        if MANIFEST not in names or SIGNATURE not in names:
            report.problem = f"The package has no {MANIFEST} or no {SIGNATURE}."
            return report
        try:
            manifest_bytes = archive.read(MANIFEST)
            signature = archive.read(SIGNATURE).decode("ascii", "replace").strip()
            manifest = json.loads(manifest_bytes)
        except (zipfile.BadZipFile, ValueError) as exc:
            report.changed.append(MANIFEST)
            report.problem = f"{MANIFEST} cannot be read ({exc})."
            return report
        key = load_public_key_pem(public_key_pem_bytes) if public_key_pem_bytes else load_signing_key().public_key()
        report.signature_ok = signature_is_valid(key, manifest_bytes, signature)
        if not report.signature_ok:
            report.changed.append(MANIFEST)
        report.case = str(manifest.get("case", ""))
        listed = {entry["path"]: entry for entry in manifest.get("files", []) if isinstance(entry, dict) and "path" in entry}
        for path, entry in listed.items():
            if path not in names:
                report.missing.append(path)
                continue
            report.checked += 1
            if _member_sha256(archive, path) != entry.get("sha256"):
                report.changed.append(path)
        report.unexpected = sorted(names - set(listed) - {MANIFEST, SIGNATURE, PUBLIC_KEY})
    return report


def _member_sha256(archive: zipfile.ZipFile, path: str) -> str | None:
    try:
        with archive.open(path) as member:
            return hashlib.file_digest(member, "sha256").hexdigest()
    except (zipfile.BadZipFile, OSError, EOFError):  # a CRC that no longer matches: the bytes changed
        return None
