"""The city's C2PA signing credentials from settings, and embedding Content Credentials in a
rendered release copy (the pure parts are in `content_credentials`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core import checks

from redaction.regions_log import RegionsLog

from . import content_credentials as cc


class CredentialsMissing(Exception):
    """The C2PA certificate chain, key or root is not configured or not readable."""


@dataclass(frozen=True)
class SigningCredentials:
    chain_pem: bytes
    key_pem: bytes
    root_pem: bytes


def _paths() -> tuple[Path, Path, Path]:
    paths = {"C2PA_SIGNING_CERT_CHAIN": settings.C2PA_SIGNING_CERT_CHAIN, "C2PA_SIGNING_KEY": settings.C2PA_SIGNING_KEY,
             "C2PA_ROOT_CERT": settings.C2PA_ROOT_CERT}
    missing = [name for name, value in paths.items() if not value]
    if missing:
        raise CredentialsMissing(f"{', '.join(missing)} not set; create them with `manage.py create_content_credentials_ca`.")
    return tuple(Path(value) for value in paths.values())  # type: ignore[return-value]


def load_credentials(*, create: bool = False) -> SigningCredentials:
    """The configured chain, key and root. With `create` (development), a new CA is made on
    first use when none of the three files exists yet."""
    chain, key, root = _paths()
    if create and not settings.PRODUCTION and not all(p.exists() for p in (chain, key, root)):
        _create_once(chain, key, root)
    try:
        return SigningCredentials(chain.read_bytes(), key.read_bytes(), root.read_bytes())
    except OSError as exc:
        raise CredentialsMissing(f"The Content Credentials file {exc.filename} cannot be read.") from None


def _create_once(chain: Path, key: Path, root: Path) -> None:
    import fcntl

    key.parent.mkdir(parents=True, exist_ok=True)
    # Two workers starting at once must not each write half a CA: the second waits, then finds it.
    with open(key.parent / ".content-credentials.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not any(p.exists() for p in (chain, key, root)):
            cc.create_certificate_authority(root_cert=root, chain=chain, key=key, city=settings.CITY_NAME)


def root_certificate_pem() -> bytes:
    return load_credentials(create=True).root_pem


@checks.register(checks.Tags.security, deploy=True)
def check_content_credentials(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    try:
        load_credentials()
    except CredentialsMissing as exc:
        return [checks.Error(str(exc), hint="Set C2PA_SIGNING_CERT_CHAIN, C2PA_SIGNING_KEY and C2PA_ROOT_CERT.", id="releases.E001")]
    return []


def public_incident_url(reference: str) -> str:
    from django.urls import reverse

    return reverse("public:incident-detail", args=[reference])


def embed(release, source: Path, dest: Path, *, log: RegionsLog, inputs: dict) -> None:
    """Write `source` with the release's Content Credentials to `dest`."""
    creds = load_credentials(create=True)
    by_reason: dict[str, int] = {}
    for region in inputs.get("extra_regions") or []:
        reason = region.get("reason") or "other"
        by_reason[reason] = by_reason.get(reason, 0) + 1
    audio = len(inputs.get("mute_ranges") or []) + len(inputs.get("bleep_ranges") or [])
    reference = release.incident.reference
    definition = cc.build_manifest_definition(
        title=f"{reference}-release-{release.pk}.mp4",
        original_sha256=release.original_sha256,
        faces_hidden=len(log.hidden_tracks()),
        regions_by_reason=by_reason,
        regions_left_unhidden=len(inputs.get("suppressed") or []),
        audio_ranges_muted=audio,
        pipeline_version=log.pipeline_version,
        release={
            "issuer": settings.CITY_NAME,
            "release_id": release.pk,
            "incident_reference": reference,
            "public_url": public_incident_url(reference),
            "manifest_url": f"/releases/{release.pk}/manifest.json",
        },
    )
    cc.sign_mp4(source, dest, definition, chain_pem=creds.chain_pem, key_pem=creds.key_pem,
                original_sha256=release.original_sha256)
