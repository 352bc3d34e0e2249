"""The lifecycle's staff pages: each refuses the roles that may not use it, a held item's page
says so, a deleted one shows its tombstone, shares are made and revoked, and the verify page
names a changed file."""

from __future__ import annotations

import io
import re

import pytest
from django.core import mail
from django.test import Client

from footage.deletion import approve_batch, propose_batch
from footage.models import DeletionBatch, LegalHold, Share
from footage.retention import place_hold
from tests.factories.footage import make_footage
from tests.footage.lifecycle_helpers import expired_footage
from tests.footage.test_packages import flip_a_byte_of
from tests.personas import sign_in_verified

pytestmark = pytest.mark.django_db
ALL = ("reporter", "investigator", "supervisor", "release_officer", "auditor", "admin")


@pytest.fixture(autouse=True)
def _signing_key(settings, tmp_path_factory):
    from releases.signing import generate_key_file

    path = tmp_path_factory.mktemp("package-key") / "key.pem"
    generate_key_file(path)
    settings.RELEASE_SIGNING_KEY = str(path)


def as_user(user) -> Client:
    client = Client()
    sign_in_verified(client, user)
    return client


def codes(people, method, url, data=None):
    return {role: getattr(as_user(getattr(people, role)), method)(url, data or {}).status_code for role in ALL}


def test_every_lifecycle_page_refuses_the_roles_that_may_not_use_it(people, case):
    item = make_footage(incident=case, uploaded_by=people.investigator, process=False)
    assert codes(people, "get", "/staff/footage/retention/") == {
        "reporter": 403, "investigator": 403, "supervisor": 200, "release_officer": 200, "auditor": 200, "admin": 200}
    post = codes(people, "post", "/staff/footage/retention/", {"scope": "category", "key": "other", "days": "200"})
    assert post["admin"] == 302 and all(post[r] == 403 for r in ALL if r != "admin")
    assert codes(people, "get", "/staff/footage/holds/") == {
        "reporter": 403, "investigator": 403, "supervisor": 200, "release_officer": 200, "auditor": 200, "admin": 403}
    placed = codes(people, "post", "/staff/footage/holds/", {"incident": case.pk, "reason": "Trial", "matter_reference": "CR-1"})
    assert placed["supervisor"] == 302 and all(placed[r] == 403 for r in ALL if r != "supervisor")
    hold = LegalHold.objects.get()
    lifted = codes(people, "post", f"/staff/footage/holds/{hold.pk}/lift/", {"reason": "Over"})
    assert lifted["supervisor"] == 302 and all(lifted[r] == 403 for r in ALL if r != "supervisor")
    assert codes(people, "get", "/staff/footage/deletions/") == {
        "reporter": 403, "investigator": 403, "supervisor": 200, "release_officer": 200, "auditor": 403, "admin": 403}
    assert codes(people, "get", "/staff/footage/shares/") == {
        "reporter": 403, "investigator": 200, "supervisor": 200, "release_officer": 403, "auditor": 200, "admin": 403}
    assert codes(people, "get", "/staff/footage/packages/verify/") == {
        "reporter": 403, "investigator": 200, "supervisor": 200, "release_officer": 403, "auditor": 200, "admin": 403}
    package = codes(people, "get", f"/staff/footage/package/{case.pk}/")
    assert package == {"reporter": 403, "investigator": 200, "supervisor": 200, "release_officer": 403, "auditor": 200, "admin": 404}
    dnd = codes(people, "post", f"/staff/footage/{item.pk}/do-not-disclose/", {"value": "1", "reason": "Informant"})
    assert dnd["supervisor"] == 302 and all(dnd[r] in (403, 404) for r in ALL if r != "supervisor")


def test_anonymous_callers_are_sent_to_sign_in(case):
    for url in ("/staff/footage/retention/", "/staff/footage/holds/", "/staff/footage/deletions/", "/staff/footage/shares/",
                "/staff/footage/packages/verify/", f"/staff/footage/package/{case.pk}/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_a_held_items_page_says_so(people, case):
    item = make_footage(incident=case, uploaded_by=people.investigator, process=False)
    place_hold(actor=people.supervisor, incident=case, reason="Civil suit", matter_reference="2026-CV-118")
    page = as_user(people.investigator).get(f"/staff/footage/{item.pk}/").content.decode()
    assert "Under legal hold (2026-CV-118)" in page and "will not be deleted" in page


def test_a_deleted_items_page_shows_its_tombstone_and_its_original_is_gone(people, django_capture_on_commit_callbacks):
    item = expired_footage(people, process=False)
    with django_capture_on_commit_callbacks(execute=True):
        approve_batch(propose_batch(), actor=people.release_officer)
    client = as_user(people.supervisor)
    page = client.get(f"/staff/footage/{item.pk}/").content.decode()
    assert "was deleted" in page and item.sha256 in page and "approved by rhea" in page
    assert client.get(f"/staff/footage/{item.pk}/original/").status_code == 410


def test_the_supervisor_sees_what_falls_due_and_the_records_officer_approves_it(people, django_capture_on_commit_callbacks):
    item = expired_footage(people, process=False)
    assert f'data-footage="{item.pk}"' in as_user(people.supervisor).get("/staff/footage/retention/").content.decode()
    assert as_user(people.supervisor).post("/staff/footage/deletions/").status_code == 302
    batch = DeletionBatch.objects.get()
    assert as_user(people.supervisor).post(f"/staff/footage/deletions/{batch.pk}/approve/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        assert as_user(people.release_officer).post(f"/staff/footage/deletions/{batch.pk}/approve/").status_code == 302
    item.refresh_from_db()
    assert item.deleted_at is not None


def test_a_share_made_on_the_page_gives_a_link_that_works_until_revoked(people, case):
    item = make_footage(incident=case, uploaded_by=people.investigator, process=False)
    client = as_user(people.investigator)
    response = client.post("/staff/footage/shares/", {
        "incident": case.pk, "items": [item.pk], "recipient_name": "ADA Dana Cole", "recipient_email": "dana@da.invalid",
        "recipient_organisation": "Suffolk County DA", "days": "30"})
    assert response.status_code == 200
    link = re.search(r"data-share-link>([^<]+)<", response.content.decode()).group(1)
    token = link.rstrip("/").rsplit("/", 1)[1]
    recipient = Client()
    recipient.post(f"/share/{token}/code/")
    recipient.post(f"/share/{token}/confirm/", {"code": re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)})
    assert item.sha256 in recipient.get(f"/share/{token}/").content.decode()

    share = Share.objects.get()
    assert client.post(f"/staff/footage/shares/{share.public_id}/revoke/").status_code == 302
    assert recipient.get(f"/share/{token}/").status_code == 410


def test_the_share_form_gives_the_services_message_for_a_bad_request(people, case):
    make_footage(incident=case, uploaded_by=people.investigator, process=False)
    response = as_user(people.investigator).post("/staff/footage/shares/", {
        "incident": case.pk, "items": [], "recipient_name": "A", "recipient_email": "a@da.invalid", "recipient_organisation": "DA"})
    assert response.status_code == 400 and "Choose at least one footage item" in response.content.decode()


def test_the_verify_page_names_a_changed_file(people, case, tmp_path):
    item = make_footage(incident=case, uploaded_by=people.investigator, process=False)
    client = as_user(people.auditor)
    path = tmp_path / "case.zip"
    path.write_bytes(b"".join(client.get(f"/staff/footage/package/{case.pk}/").streaming_content))
    ok = client.post("/staff/footage/packages/verify/", {"package": io.BytesIO(path.read_bytes())})
    assert "data-package-ok" in ok.content.decode()

    original = f"originals/{item.pk}-{item.original_filename}"
    flip_a_byte_of(path, original)
    with open(path, "rb") as f:
        bad = client.post("/staff/footage/packages/verify/", {"package": f}).content.decode()
    assert "data-package-failed" in bad and f"Changed: <code>{original}</code>" in bad
