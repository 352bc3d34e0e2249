"""The chain of custody: every view, stream, download, derivation, export and verification makes
exactly one entry; the log cannot be changed by the application and edits around it are found."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core import mail
from django.db import connection, transaction
from django.db.utils import DatabaseError

from footage.custody import custody_log, verify_custody_chain, verify_original
from footage.models import CustodyAction, CustodyEvent
from footage.tasks import start_fixity_cycle
from portal.models import AuditEvent
from tests.factories.footage import make_footage
from tests.footage.footage_per_module import _footage_of_the_module, item  # noqa: F401 (made once for the module)
from tests.personas import sign_in_verified
from tests.people_per_module import people  # noqa: F401 (made once for the module)

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_item(people, case):
    """Footage of the test's own, for a test that changes its file."""
    return make_footage(incident=case, uploaded_by=people.reporter, seconds=1, size=(320, 180))


def _actions(item) -> Counter:
    return Counter(e.action for e in custody_log(item))


def test_each_action_on_footage_makes_exactly_one_custody_entry(people, item, client, api_client):
    sign_in_verified(client, people.investigator)
    assert _actions(item) == {"ingested": 1, "hash_computed": 1, "derived": 3}

    assert client.get(f"/staff/footage/{item.pk}/").status_code == 200
    assert _actions(item)["viewed"] == 1

    opening = client.get(f"/staff/footage/{item.pk}/stream/", HTTP_RANGE="bytes=0-99")
    seeking = client.get(f"/staff/footage/{item.pk}/stream/", HTTP_RANGE="bytes=100-199")
    assert (opening.status_code, seeking.status_code) == (206, 206)
    b"".join(opening.streaming_content), b"".join(seeking.streaming_content)
    assert _actions(item)["streamed"] == 1

    download = client.get(f"/staff/footage/{item.pk}/original/")
    assert download.status_code == 200
    b"".join(download.streaming_content)
    assert _actions(item)["downloaded"] == 1

    assert client.get(f"/staff/footage/{item.pk}/poster.jpg").status_code == 200
    assert client.get(f"/staff/footage/{item.pk}/jobs/").status_code == 200

    assert client.get(f"/staff/footage/{item.pk}/custody.pdf").status_code == 200
    assert _actions(item)["exported"] == 1

    assert client.post(f"/staff/footage/{item.pk}/verify/").status_code == 302
    assert _actions(item)["verified"] == 1

    api = api_client(people.investigator)
    assert api.get(f"/api/footage/{item.pk}/").status_code == 200
    assert api.post(f"/api/footage/{item.pk}/verify/").json()["ok"] is True
    assert _actions(item) == {
        "ingested": 1, "hash_computed": 1, "derived": 3, "viewed": 2, "streamed": 1,
        "downloaded": 1, "exported": 1, "verified": 2,
    }


def test_every_entry_names_the_actor_the_address_and_the_hash(people, item, client):
    sign_in_verified(client, people.investigator)
    client.get(f"/staff/footage/{item.pk}/original/", REMOTE_ADDR="10.1.2.3")

    entry = custody_log(item).get(action=CustodyAction.DOWNLOADED)

    assert (entry.actor, entry.actor_username, entry.ip_address) == (people.investigator, "ivan", "10.1.2.3")
    assert entry.original_sha256 == item.sha256
    derived = custody_log(item).filter(action=CustodyAction.DERIVED)
    assert all(len(e.derived_sha256) == 64 and e.actor is None for e in derived)


def test_the_downloaded_original_is_byte_for_byte_what_was_ingested(people, item, client):
    sign_in_verified(client, people.auditor)

    response = client.get(f"/staff/footage/{item.pk}/original/")

    body = b"".join(response.streaming_content)
    import hashlib

    assert hashlib.sha256(body).hexdigest() == item.sha256 == response["X-Content-SHA256"]
    assert response["Content-Disposition"].startswith("attachment")


def test_the_proxy_streams_with_ranges(people, item, client):
    sign_in_verified(client, people.reporter)
    size = item.proxy.size

    whole = client.get(f"/staff/footage/{item.pk}/stream/")
    tail = client.get(f"/staff/footage/{item.pk}/stream/", HTTP_RANGE="bytes=-10")
    beyond = client.get(f"/staff/footage/{item.pk}/stream/", HTTP_RANGE=f"bytes={size}-")

    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    assert len(b"".join(whole.streaming_content)) == size
    assert tail.status_code == 206 and tail["Content-Range"] == f"bytes {size - 10}-{size - 1}/{size}"
    assert len(b"".join(tail.streaming_content)) == 10
    assert beyond.status_code == 416


def test_the_custody_report_downloads_as_csv_listing_every_entry(people, item, client):
    sign_in_verified(client, people.supervisor)

    response = client.get(f"/staff/footage/{item.pk}/custody.csv")

    text = response.content.decode()
    assert response["Content-Type"].startswith("text/csv")
    assert item.sha256 in text
    for event in custody_log(item):
        assert event.hash in text
    assert client.get(f"/staff/footage/{item.pk}/custody.pdf").content.startswith(b"%PDF")


def test_the_application_cannot_change_or_delete_a_custody_entry(item):
    entry = custody_log(item).first()

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        CustodyEvent.objects.filter(pk=entry.pk).update(action="viewed")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        CustodyEvent.objects.filter(pk=entry.pk).delete()


def test_an_entry_edited_around_the_application_breaks_the_chain_at_that_entry(item):
    assert verify_custody_chain().ok
    entry = custody_log(item).get(action=CustodyAction.HASH_COMPUTED)

    with connection.cursor() as cursor:
        # What only a database superuser could do: switch the triggers off and rewrite history.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE footage_custodyevent SET actor_username = 'someone-else' WHERE id = %s", [entry.pk])
        cursor.execute("SET LOCAL session_replication_role = origin")

    report = verify_custody_chain()
    assert not report.ok
    assert [b.event_id for b in report.breaks] == [entry.pk]


def test_a_deleted_entry_breaks_the_chain_after_it(item):
    first, second, third = list(custody_log(item))[:3]

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM footage_custodyevent WHERE id = %s", [second.pk])
        cursor.execute("SET LOCAL session_replication_role = origin")

    assert [b.event_id for b in verify_custody_chain().breaks] == [third.pk]


def test_verification_of_a_changed_original_fails_and_alerts_the_administrators(
    people, own_item, settings, django_capture_on_commit_callbacks
):
    settings.ADMINS = [("IT", "it@city.invalid")]
    path = own_item.original.storage.path(own_item.original.name)
    with open(path, "r+b") as f:
        f.seek(100)
        f.write(b"\x00tampered\x00")

    with django_capture_on_commit_callbacks(execute=True):
        ok = verify_original(own_item, actor=people.auditor)

    assert ok is False
    entry = custody_log(own_item).last()
    assert entry.action == CustodyAction.VERIFICATION_FAILED
    assert entry.detail["expected_sha256"] == own_item.sha256 != entry.detail["found_sha256"]
    alert = AuditEvent.objects.get(action="footage.fixity_failed")
    assert alert.outcome == "failed"
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {"it@city.invalid", "ada@city.invalid"}
    assert "FAILED" in mail.outbox[0].subject


def test_the_fixity_cycle_reverifies_every_original_due(people, case, item, django_capture_on_commit_callbacks):
    second = make_footage(incident=case, uploaded_by=people.reporter, seconds=1, process=False)

    with django_capture_on_commit_callbacks(execute=True):
        assert start_fixity_cycle() == 2
        assert start_fixity_cycle() == 0

    for footage in (item, second):
        footage.refresh_from_db()
        assert footage.last_verification_ok is True
        verified = custody_log(footage).get(action=CustodyAction.VERIFIED)
        assert verified.actor is None and verified.detail["reason"] == "scheduled fixity check"


def test_the_integrity_command_reports_an_intact_chain_and_rehashes_originals(item):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("check_footage_integrity", "--rehash", stdout=out)

    assert "Custody chain intact" in out.getvalue()
    assert custody_log(item).filter(action=CustodyAction.VERIFIED).count() == 1
