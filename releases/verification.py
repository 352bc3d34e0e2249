"""Checking a downloaded release file against its signed manifest. No Django needed.

Used by `manage.py verify_release` and by the public verify page.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .manifest import canonical_bytes
from .signing import signature_is_valid

CHUNK = 1024 * 1024


@dataclass
class VerificationResult:
    ok: bool
    reasons: list[str] = field(default_factory=list)
    sha256: str = ""
    size: int = 0


def _hash_stream(f: BinaryIO) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    for block in iter(lambda: f.read(CHUNK), b""):
        digest.update(block)
        size += len(block)
    return digest.hexdigest(), size


def verify_file_against_manifest(
    file_obj_or_path: str | os.PathLike[str] | BinaryIO,
    manifest: dict[str, Any],
    signature: str,
    public_key: Ed25519PublicKey,
) -> VerificationResult:
    """Does the signature cover this manifest, and does the file match it? Every failed check is
    listed, so a person learns both "the manifest was altered" and "the file differs"."""
    reasons: list[str] = []
    if not isinstance(manifest, dict):
        return VerificationResult(False, ["The manifest is not a JSON object."])
    try:
        signed = canonical_bytes(manifest)
    except (TypeError, ValueError):
        return VerificationResult(False, ["The manifest cannot be read as JSON."])
    if not signature_is_valid(public_key, signed, signature or ""):
        reasons.append("The manifest's signature does not match the city's public key: the manifest was altered or not signed by the city.")
    if isinstance(file_obj_or_path, (str, os.PathLike)):
        with open(file_obj_or_path, "rb") as f:
            sha256, size = _hash_stream(f)
    else:
        sha256, size = _hash_stream(file_obj_or_path)
    expected = manifest.get("file") if isinstance(manifest.get("file"), dict) else {}
    if expected.get("sha256") != sha256:
        reasons.append(f"The file's SHA-256 is {sha256}, but the manifest says {expected.get('sha256')!s}.")
    if expected.get("size") != size:
        reasons.append(f"The file is {size} bytes, but the manifest says {expected.get('size')!s}.")
    return VerificationResult(ok=not reasons, reasons=reasons, sha256=sha256, size=size)
