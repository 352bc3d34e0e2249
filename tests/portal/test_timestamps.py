"""Trusted time where a city has it: with TIMESTAMP_AUTHORITIES set, tree heads get an RFC 3161
token that verifies; unset, nothing is asked and nothing breaks."""

from __future__ import annotations

import base64
import hashlib

import pytest
from rfc3161_client import VerifierBuilder, decode_timestamp_response

from portal import transparency_log
from portal.models import SignedTreeHead, TimestampToken
from portal.timestamps import TimestampError, fetch_token, request_timestamps
from releases.signing import generate_key_file
from tests.factories.tsa import LocalTSA

pytestmark = pytest.mark.django_db


@pytest.fixture
def tsa(settings, tmp_path):
    authority = LocalTSA()
    roots = tmp_path / "tsa-roots.pem"
    roots.write_bytes(authority.root_pem())
    settings.TIMESTAMP_AUTHORITY_ROOTS = str(roots)
    with authority.serving() as url:
        settings.TIMESTAMP_AUTHORITIES = [url]
        yield authority


@pytest.fixture(autouse=True)
def _release_key(settings, tmp_path):
    settings.RELEASE_SIGNING_KEY = str(tmp_path / "release-key.pem")
    generate_key_file(settings.RELEASE_SIGNING_KEY)


def _log_something():
    from django.db import transaction

    with transaction.atomic():
        transparency_log.append({"kind": "test.entry", "n": 1})
    return transparency_log.sign_tree_head()


def test_a_timestamp_from_a_local_authority_verifies(tsa, settings):
    message = b"a tree head statement"
    response = fetch_token(settings.TIMESTAMP_AUTHORITIES[0], message, [tsa.root])
    assert response.tst_info.message_imprint.message in (hashlib.sha256(message).digest(), hashlib.sha512(message).digest())
    verifier = VerifierBuilder().add_root_certificate(tsa.root).build()
    assert verifier.verify_message(response, message)


def test_each_tree_head_gets_a_token_that_verifies_and_is_published(tsa, client):
    head = _log_something()
    (token,) = TimestampToken.objects.filter(subject="tree_head", subject_id=head.pk)
    response = decode_timestamp_response(base64.b64decode(token.token))
    assert VerifierBuilder().add_root_certificate(tsa.root).build().verify_message(response, head.statement.encode())
    published = client.get("/log/sth").json()["timestamp_tokens"]
    assert published[0]["token"] == token.token


def test_a_token_from_an_untrusted_authority_is_refused(tsa, settings):
    with pytest.raises(TimestampError):
        fetch_token(settings.TIMESTAMP_AUTHORITIES[0], b"x", [LocalTSA().root])


def test_without_authorities_nothing_is_requested_and_signing_goes_on(settings):
    settings.TIMESTAMP_AUTHORITIES = []
    head = _log_something()
    assert isinstance(head, SignedTreeHead)
    assert not TimestampToken.objects.exists()
    assert request_timestamps("tree_head", head.pk, b"x") == []


def test_an_unreachable_authority_never_stops_the_tree_head(settings):
    settings.TIMESTAMP_AUTHORITIES = ["http://127.0.0.1:9/"]
    assert isinstance(_log_something(), SignedTreeHead)
    assert not TimestampToken.objects.exists()
