"""Signing a release's manifest at publication, and the published manifest document."""

from __future__ import annotations

from pathlib import PurePosixPath

from django.conf import settings

from .errors import ReleaseRefused
from .manifest import build_manifest, canonical_bytes, redaction_summary
from .models import RedactionChange, Release
from .signing import SigningKeyError, load_signing_key, sign


def public_file_name(release: Release) -> str:
    return f"{release.incident.reference}-release-{release.pk}.mp4"


def sign_manifest(release: Release) -> tuple[dict, str]:
    """The manifest of `release` as it is being published, and its base64 Ed25519 signature."""
    changes = [
        {"kind": c.kind, "reason": c.reason}
        for c in RedactionChange.objects.filter(release=release)
        if c.takes_effect
    ]
    manifest = build_manifest(
        release_id=release.pk,
        incident_reference=release.incident.reference,
        file_name=public_file_name(release),
        size=release.release_size,
        sha256=release.release_sha256,
        original_sha256=release.original_sha256,
        redaction=redaction_summary(changes, release.redaction_log or {}),
        pipeline_version=release.pipeline_version,
        model_sha256=release.model_sha256,
        approved_at=release.approved_at.isoformat() if release.approved_at else "",
        published_at=release.published_at.isoformat() if release.published_at else "",
        issuer=settings.CITY_NAME,
    )
    from .captions import manifest_entry

    if captions := manifest_entry(release):
        manifest["captions"] = captions
    try:
        key = load_signing_key()
    except SigningKeyError as exc:
        raise ReleaseRefused(f"The release cannot be signed: {exc}", code="no_signing_key") from None
    return manifest, sign(key, canonical_bytes(manifest))


def manifest_document(release: Release) -> dict:
    """What the public downloads beside the file: the manifest and the signature over its canonical bytes."""
    return {
        "manifest": release.manifest,
        "signature": release.signature,
        "signature_algorithm": "Ed25519",
        "signed_bytes": "JSON of 'manifest' with sorted keys, no whitespace, UTF-8",
        "public_key_url": "/.well-known/release-signing-key.pem",
    }


def stored_name(release: Release) -> str:
    return PurePosixPath(release.release_file.name).name
