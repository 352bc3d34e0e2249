"""The city's Ed25519 release-signing key: creating it, loading it, signing and checking bytes.

The crypto functions take bytes and key objects only, so they need no Django; `load_signing_key()`
reads the key named by settings.RELEASE_SIGNING_KEY, which is either a path to a PEM file or the
base64 of the 32 raw private-key bytes (for deployments that keep secrets in the environment).
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class SigningKeyError(Exception):
    """The signing key is missing or unreadable."""


def generate_key_file(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    """Write a new private key as PEM, readable by its owner only. Never replaces an existing
    file: losing the old key would make every manifest it signed unverifiable."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    # O_EXCL makes "refuse to overwrite" atomic even if two processes race to create the key.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    os.chmod(path, 0o600)
    return key


def private_key_from_setting(value: str, *, setting: str = "RELEASE_SIGNING_KEY") -> Ed25519PrivateKey:
    """A key from a PEM file path, or from base64 of the 32 raw private bytes. `setting` names
    the setting in errors: the audit-checkpoint key is loaded the same way."""
    if not value:
        raise SigningKeyError(f"{setting} is not set.")
    raw = _raw_key_bytes(value)
    if raw is not None:
        return Ed25519PrivateKey.from_private_bytes(raw)
    path = Path(value)
    if not path.exists():
        raise SigningKeyError(
            f"The key {path} ({setting}) does not exist. Create it with `manage.py create_release_signing_key --path {path}`."
        )
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except ValueError as exc:
        raise SigningKeyError(f"The key {path} ({setting}) is not a readable PEM private key.") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"The key {path} ({setting}) is not an Ed25519 key.")
    return key


def _raw_key_bytes(value: str) -> bytes | None:
    """The 32 key bytes if `value` is their base64 (44 characters), else None (a path)."""
    if len(value) != 44 or not value.endswith("="):
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == 32 else None


def public_key_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public_key_pem(pem: bytes | str) -> Ed25519PublicKey:
    if isinstance(pem, str):
        pem = pem.encode()
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError as exc:
        raise SigningKeyError("Not a PEM public key.") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError("Not an Ed25519 public key.")
    return key


def sign(private_key: Ed25519PrivateKey, data: bytes) -> str:
    """Base64 signature of `data`."""
    return base64.b64encode(private_key.sign(data)).decode("ascii")


def signature_is_valid(public_key: Ed25519PublicKey, data: bytes, signature_b64: str) -> bool:
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError, TypeError):
        return False
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


def load_signing_key() -> Ed25519PrivateKey:
    """The key configured for this deployment."""
    from django.conf import settings

    return private_key_from_setting(settings.RELEASE_SIGNING_KEY)
