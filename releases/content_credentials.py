"""C2PA Content Credentials for release copies: the city's small certificate authority, the
manifest that says what was done to the footage, signing an MP4 with c2pa-python, and reading it
back against the city's root as the only trust anchor.

No Django here: functions take plain values and paths, so anyone can test or reuse them.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from media.atomic import atomic_output

CLAIM_GENERATOR = "incident-portal"
# c2pa-rs accepts a signing certificate only with one of the EKUs of the C2PA trust model.
DOCUMENT_SIGNING_EKU = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
ORIGINAL_ASSERTION = "gov.city.incident-portal.original"
RELEASE_ASSERTION = "gov.city.incident-portal.release"


class ContentCredentialsError(Exception):
    """The release copy could not be signed or its credentials could not be read."""


# ---- the city's certificate authority ---------------------------------------------------------


@dataclass(frozen=True)
class CertificateAuthorityFiles:
    root_cert: Path
    chain: Path
    key: Path


def _name(city: str, common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, city[:64] or "City"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
    ])


def _write_new(path: Path, data: bytes, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: never replace a key or certificate that may already have signed published files.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def create_certificate_authority(
    *, root_cert: Path, chain: Path, key: Path, city: str, root_key: Path | None = None, years: int = 10
) -> CertificateAuthorityFiles:
    """A self-signed root and a leaf signed by it for C2PA. The root's private key is written
    only if `root_key` is given (keep it offline); otherwise it is thrown away after signing."""
    root_cert, chain, key = Path(root_cert), Path(chain), Path(key)
    for path in (root_cert, chain, key, *([Path(root_key)] if root_key else [])):
        if path.exists():
            raise FileExistsError(f"{path} already exists; refusing to replace it.")
    now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(city, f"{city} Content Credentials Root CA")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + dt.timedelta(days=365 * years + 5))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
                          key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name(city, f"{city} Footage Release Signing")).issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + dt.timedelta(days=365 * min(years, 3)))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                          key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([DOCUMENT_SIGNING_EKU, ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    private = dict(encoding=pem, format=serialization.PrivateFormat.PKCS8, encryption_algorithm=serialization.NoEncryption())
    _write_new(key, leaf_key.private_bytes(**private), 0o600)
    if root_key:
        _write_new(Path(root_key), ca_key.private_bytes(**private), 0o600)
    _write_new(chain, leaf.public_bytes(pem) + ca.public_bytes(pem), 0o644)
    _write_new(root_cert, ca.public_bytes(pem), 0o644)
    return CertificateAuthorityFiles(root_cert=root_cert, chain=chain, key=key)


# ---- the manifest ------------------------------------------------------------------------------


def build_manifest_definition(
    *,
    title: str,
    original_sha256: str,
    faces_hidden: int,
    regions_by_reason: dict[str, int],
    regions_left_unhidden: int,
    audio_ranges_muted: int,
    pipeline_version: str,
    release: dict[str, Any],
) -> dict[str, Any]:
    """The C2PA manifest of one release copy. Counts and reasons only: no names, no positions,
    and the original is identified by its hash, never by its file name."""
    reasons = ", ".join(f"{n} for {reason}" for reason, n in sorted(regions_by_reason.items())) or "none"
    description = (
        f"Faces and other regions hidden, audio muted: {faces_hidden} face(s) hidden automatically, "
        f"{sum(regions_by_reason.values())} region(s) or range(s) hidden by a reviewer ({reasons}), "
        f"{regions_left_unhidden} automatic region(s) left visible (public officials acting in public), "
        f"{audio_ranges_muted} audio range(s) muted; metadata stripped."
    )
    agent = {"name": "incident-portal redaction pipeline", "version": pipeline_version}
    return {
        "claim_generator_info": [{"name": CLAIM_GENERATOR, "version": pipeline_version}],
        "title": title,
        "format": "video/mp4",
        "ingredients": [],
        "assertions": [
            {
                "label": "c2pa.actions.v2",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.opened",
                            "softwareAgent": agent,
                            "parameters": {"ingredientIds": ["original"]},
                        },
                        {
                            "action": "c2pa.edited",
                            "softwareAgent": agent,
                            "description": description,
                            "parameters": {
                                "faces_hidden_automatically": faces_hidden,
                                "regions_hidden_by_reason": dict(sorted(regions_by_reason.items())),
                                "regions_left_unhidden": regions_left_unhidden,
                                "audio_ranges_muted": audio_ranges_muted,
                            },
                        },
                    ]
                },
            },
            {"label": ORIGINAL_ASSERTION, "data": {"sha256": original_sha256}},
            {"label": RELEASE_ASSERTION, "data": release},
        ],
    }


def original_ingredient(original_sha256: str) -> dict[str, Any]:
    return {
        "title": f"original evidence {original_sha256[:12]}",
        "format": "video/mp4",
        "relationship": "parentOf",
        "label": "original",
        "instance_id": f"sha256:{original_sha256}",
        "metadata": {"sha256": original_sha256},
    }


# ---- signing and reading -----------------------------------------------------------------------


def sign_mp4(source: Path, dest: Path, definition: dict[str, Any], *, chain_pem: bytes, key_pem: bytes, original_sha256: str,
             tsa_url: str | None = None) -> None:
    """Write `source` with the signed manifest embedded to `dest` (a new file; `source` is left
    as it was, so a retry after a crash starts from the same bytes)."""
    import c2pa

    try:
        info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain_pem, key_pem, tsa_url)
        with c2pa.Signer.from_info(info) as signer, c2pa.Builder(definition) as builder:
            # The original is private evidence: the ingredient names it by its hash, from no bytes.
            builder.add_ingredient(original_ingredient(original_sha256), "application/octet-stream", io.BytesIO(b""))
            with atomic_output(dest) as tmp, open(source, "rb") as src, open(tmp, "w+b") as dst:
                builder.sign(signer, "video/mp4", src, dst)
    except c2pa.C2paError as exc:
        raise ContentCredentialsError(f"signing the release copy failed: {exc}") from exc


@dataclass(frozen=True)
class CredentialsReport:
    trusted: bool
    validation_state: str
    problems: list[str]
    manifest: dict[str, Any]


def read_credentials(path: Path, *, root_pem: bytes) -> CredentialsReport:
    """Read and validate the credentials in `path`, trusting only `root_pem`."""
    import c2pa

    settings = {
        "verify": {"verify_trust": True, "verify_after_reading": True},
        "trust": {"trust_anchors": root_pem.decode("ascii")},
    }
    try:
        with c2pa.Context(c2pa.Settings.from_json(json.dumps(settings))) as context, \
                open(path, "rb") as f, c2pa.Reader("video/mp4", f, context=context) as reader:
            store = json.loads(reader.json())
    except c2pa.C2paError as exc:
        return CredentialsReport(False, "Invalid", [str(exc)], {})
    state = store.get("validation_state", "")
    problems = [
        f"{s.get('code')}: {s.get('explanation', '')}"
        for s in (store.get("validation_results", {}).get("activeManifest", {}).get("failure") or store.get("validation_status") or [])
    ]
    active = store.get("manifests", {}).get(store.get("active_manifest", ""), {})
    return CredentialsReport(state == "Trusted" and not problems, state, problems, active)


def top_level_boxes(path: Path) -> list[str]:
    """The MP4's top-level box types in file order (fast start means moov before mdat)."""
    boxes = []
    with open(path, "rb") as f:
        while True:
            header = f.read(8)
            if len(header) < 8:
                return boxes
            size, kind = struct.unpack(">I4s", header)
            if size == 1:
                size = struct.unpack(">Q", f.read(8))[0]
                f.seek(size - 16, 1)
            elif size == 0:
                boxes.append(kind.decode("latin-1"))
                return boxes
            else:
                f.seek(size - 8, 1)
            boxes.append(kind.decode("latin-1"))
