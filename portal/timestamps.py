"""RFC 3161 trusted time for what the city signs: when TIMESTAMP_AUTHORITIES names one or more
time-stamping authorities, a tree head's statement or a release manifest is sent (as its
SHA-256) to each, and every token that verifies against TIMESTAMP_AUTHORITY_ROOTS is kept.
Unset, nothing is requested. A failing authority is logged and never stops what it stamps."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from cryptography import x509
from django.conf import settings

from .models import TimestampToken

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10


class TimestampError(Exception):
    """An authority did not answer with a token that verifies."""


def authority_roots() -> list[x509.Certificate]:
    path = settings.TIMESTAMP_AUTHORITY_ROOTS
    return x509.load_pem_x509_certificates(Path(path).read_bytes()) if path else []


def fetch_token(url: str, message: bytes, roots: list[x509.Certificate]):
    """Ask `url` for a timestamp of `message`; the verified response."""
    import requests
    from rfc3161_client import TimestampRequestBuilder, VerificationError, VerifierBuilder, decode_timestamp_response

    request = TimestampRequestBuilder().data(message).nonce(nonce=True).cert_request(cert_request=True).build()
    try:
        answer = requests.post(url, data=request.as_bytes(), headers={"Content-Type": "application/timestamp-query"},
                               timeout=TIMEOUT_SECONDS)
        answer.raise_for_status()
        response = decode_timestamp_response(answer.content)
    except (requests.RequestException, ValueError) as exc:
        raise TimestampError(f"{url}: {exc}") from None
    if not roots:
        raise TimestampError("TIMESTAMP_AUTHORITY_ROOTS is not set: a token cannot be verified")
    builder = VerifierBuilder.from_request(request)
    for root in roots:
        builder = builder.add_root_certificate(root)
    try:
        builder.build().verify_message(response, message)
    except VerificationError as exc:
        raise TimestampError(f"{url}: the token does not verify: {exc}") from None
    return response


def request_timestamps(subject: str, subject_id: int, message: bytes) -> list[TimestampToken]:
    urls = list(settings.TIMESTAMP_AUTHORITIES or [])
    if not urls:
        return []
    import base64

    roots = authority_roots()
    kept = []
    for url in urls:
        try:
            response = fetch_token(url, message, roots)
        except TimestampError as exc:
            log.warning("no timestamp for %s %s: %s", subject, subject_id, exc)
            continue
        kept.append(TimestampToken.objects.create(
            subject=subject, subject_id=subject_id, message_sha256=hashlib.sha256(message).hexdigest(), authority=url,
            token=base64.b64encode(response.as_bytes()).decode("ascii"), gen_time=response.tst_info.gen_time,
        ))
    return kept
