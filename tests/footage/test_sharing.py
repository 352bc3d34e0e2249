"""Sharing with a prosecutor: the link works for its recipient only after the emailed code,
records each view and download in the chain of custody, stops at expiry and at revocation, and
never serves a do-not-disclose item."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from footage.lifecycle_errors import LifecycleError, LifecycleRefused
from footage.models import CustodyAction, Share
from footage.retention import set_do_not_disclose
from footage.sharing import create_share, revoke_share
from tests.factories.footage import make_footage

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(people, case):
    item = make_footage(incident=case, uploaded_by=people.investigator, process=False)
    share, token = create_share(actor=people.investigator, incident=case, items=[item], recipient_name="ADA Dana Cole",
                                recipient_email="dana.cole@da.invalid", recipient_organisation="Suffolk County DA")
    return share, token, item


def confirmed_client(token: str) -> Client:
    client = Client(REMOTE_ADDR="203.0.113.9")
    assert client.post(f"/share/{token}/code/").status_code == 302
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    assert mail.outbox[-1].to == ["dana.cole@da.invalid"]
    assert client.post(f"/share/{token}/confirm/", {"code": code}).status_code == 302
    return client


def test_the_link_opens_only_after_the_emailed_code(shared):
    share, token, item = shared
    client = Client()
    page = client.get(f"/share/{token}/")
    assert page.status_code == 200 and item.sha256 not in page.content.decode()
    assert client.get(f"/share/{token}/files/{item.public_id}/").status_code == 403
    client.post(f"/share/{token}/code/")
    wrong = client.post(f"/share/{token}/confirm/", {"code": "000000" if "000000" not in mail.outbox[-1].body else "111111"})
    assert wrong.status_code == 400 and "not right" in wrong.content.decode()

    client = confirmed_client(token)
    page = client.get(f"/share/{token}/")
    assert page.status_code == 200 and item.sha256 in page.content.decode()
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]


def test_each_view_and_download_is_a_custody_entry_naming_the_recipient(shared):
    share, token, item = shared
    client = confirmed_client(token)
    client.get(f"/share/{token}/")
    response = client.get(f"/share/{token}/files/{item.public_id}/")
    body = b"".join(response.streaming_content)
    assert response.status_code == 200 and hashlib.sha256(body).hexdigest() == item.sha256

    partial = client.get(f"/share/{token}/files/{item.public_id}/", HTTP_RANGE="bytes=10-19")
    assert partial.status_code == 206 and b"".join(partial.streaming_content) == body[10:20]

    viewed = item.custody_events.get(action=CustodyAction.SHARE_VIEWED)
    assert "viewed by ADA Dana Cole (Suffolk County DA)" in viewed.detail["summary"] and "203.0.113.9" in viewed.detail["summary"]
    assert viewed.actor_username == "share:dana.cole@da.invalid" and viewed.ip_address == "203.0.113.9"
    assert item.custody_events.filter(action=CustodyAction.SHARE_DOWNLOADED).count() == 2


def test_the_link_stops_at_expiry(shared):
    share, token, item = shared
    client = confirmed_client(token)
    Share.objects.filter(pk=share.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(f"/share/{token}/").status_code == 410
    assert client.get(f"/share/{token}/files/{item.public_id}/").status_code == 410


def test_the_link_stops_at_revocation(shared, people):
    share, token, item = shared
    client = confirmed_client(token)
    with pytest.raises(LifecycleRefused):
        revoke_share(share, actor=people.other_investigator)
    revoke_share(share, actor=people.supervisor)
    response = client.get(f"/share/{token}/files/{item.public_id}/")
    assert response.status_code == 410 and "revoked" in response.content.decode()


def test_a_do_not_disclose_item_cannot_be_shared_nor_served(shared, people, case):
    share, token, item = shared
    other = make_footage(incident=case, uploaded_by=people.investigator, process=False)
    set_do_not_disclose(other, actor=people.supervisor, value=True, reason="Informant visible")
    with pytest.raises(LifecycleError, match="do-not-disclose"):
        create_share(actor=people.investigator, incident=case, items=[other], recipient_name="ADA Dana Cole",
                     recipient_email="dana.cole@da.invalid", recipient_organisation="Suffolk County DA")

    client = confirmed_client(token)
    set_do_not_disclose(item, actor=people.supervisor, value=True, reason="Informant visible")
    assert client.get(f"/share/{token}/files/{item.public_id}/").status_code == 404
    assert item.sha256 not in client.get(f"/share/{token}/").content.decode()


def test_only_the_assigned_investigator_or_a_supervisor_shares(people, case):
    item = make_footage(incident=case, uploaded_by=people.investigator, process=False)
    for outsider in (people.reporter, people.other_investigator, people.release_officer, people.auditor, people.admin):
        with pytest.raises(LifecycleRefused):
            create_share(actor=outsider, incident=case, items=[item], recipient_name="A", recipient_email="a@da.invalid",
                         recipient_organisation="DA")


def test_an_unknown_token_is_refused():
    assert Client().get("/share/not-a-real-token/").status_code == 410
