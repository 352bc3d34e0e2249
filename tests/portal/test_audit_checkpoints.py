"""Signed checkpoints anchor the hash chains outside the database: a trail rewritten after a
checkpoint (events deleted, an actor changed, every later hash recomputed with the app's own
function, so the chain alone looks intact) is caught, by the stored checkpoints, by their files,
or by a copy of the published list that someone kept."""

from __future__ import annotations

import base64
import json
import re

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from portal.audit import record_event
from portal.checkpoints import ChainRewritten, sign_checkpoint
from portal.hashchain import GENESIS_HASH, compute_hash, verify_chain
from portal.models import AuditCheckpoint, AuditEvent
from portal.roles import Role

pytestmark = pytest.mark.django_db


def _workload(user, n):
    for i in range(n):
        record_event(actor=user, action="test.step", object_type="test", object_id=i, reason=f"step {i}", detail={"i": i})


def _as_superuser_with_triggers_off(*statements):
    """What the issue's attacker did on a copy of the database."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for sql, params in statements:
            cursor.execute(sql, params)


def _rewrite(model, *, delete_last: int = 0, change_actor_of=None, new_actor=None):
    """Delete the newest events, change one event's actor, then recompute every hash after it
    with the app's own `compute_hash`, so that `verify_chain` finds nothing wrong."""
    table = model._meta.db_table
    statements = []
    if delete_last:
        doomed = list(model.objects.order_by("-id").values_list("id", flat=True)[:delete_last])
        statements.append((f"DELETE FROM {table} WHERE id = ANY(%s)", [doomed]))
    if change_actor_of is not None:
        statements.append((
            f"UPDATE {table} SET actor_id = %s, actor_username = %s WHERE id = %s",
            [new_actor.id, new_actor.username, change_actor_of],
        ))
    _as_superuser_with_triggers_off(*statements)
    prev = GENESIS_HASH
    rehash = []
    for event in model.objects.order_by("id"):
        new = compute_hash(prev, event.chain_content())
        if (event.prev_hash, event.hash) != (prev, new):
            rehash.append((f"UPDATE {table} SET prev_hash = %s, hash = %s WHERE id = %s", [prev, new, event.id]))
        prev = new
    _as_superuser_with_triggers_off(*rehash)
    assert verify_chain(model).ok, "the rewrite should look intact to the plain chain check"


def _verify(capsys, *args):
    try:
        call_command("verify_audit_chain", *args)
    except CommandError:
        return False, capsys.readouterr().out
    return True, capsys.readouterr().out


def _published(client, tmp_path):
    response = client.get("/audit/checkpoints.json")
    assert response.status_code == 200
    path = tmp_path / "kept-copy.json"
    path.write_bytes(response.content)
    return path


def test_a_rewritten_chain_is_caught_against_a_checkpoint(make_user, capsys):
    supervisor, someone_else = make_user(Role.SUPERVISOR), make_user(Role.AUDITOR)
    _workload(supervisor, 15)
    [first] = sign_checkpoint()
    _workload(supervisor, 10)
    [second] = sign_checkpoint()
    changed = AuditEvent.objects.filter(id__gt=first.seq).order_by("id")[2].id

    _rewrite(AuditEvent, delete_last=5, change_actor_of=changed, new_actor=someone_else)

    ok, out = _verify(capsys)
    assert not ok
    assert "portal_auditevent: " in out and "chain intact" in out  # the chain alone is fooled
    assert f"first event that disagrees: portal_auditevent event {second.seq}" in out
    assert f"after event {first.seq}, which an earlier checkpoint confirms" in out


def test_an_edit_before_the_checkpoint_is_named_by_the_checkpointed_event_that_no_longer_matches(make_user, capsys):
    supervisor, someone_else = make_user(Role.SUPERVISOR), make_user(Role.AUDITOR)
    _workload(supervisor, 12)
    [checkpoint] = sign_checkpoint()
    _workload(supervisor, 3)
    edited = AuditEvent.objects.order_by("id")[4].id

    _rewrite(AuditEvent, change_actor_of=edited, new_actor=someone_else)

    ok, out = _verify(capsys)
    assert not ok
    assert f"first event that disagrees: portal_auditevent event {checkpoint.seq}" in out
    assert "not the" in out and "from the start of the chain" in out


def test_it_refuses_to_sign_a_chain_rewritten_since_its_last_checkpoint(make_user):
    supervisor, someone_else = make_user(Role.SUPERVISOR), make_user(Role.AUDITOR)
    _workload(supervisor, 6)
    [checkpoint] = sign_checkpoint()
    _workload(supervisor, 4)
    _rewrite(AuditEvent, delete_last=2, change_actor_of=AuditEvent.objects.order_by("id")[1].id, new_actor=someone_else)
    _workload(supervisor, 1)

    with pytest.raises(ChainRewritten, match=f"portal_auditevent: event {checkpoint.seq}, signed .* is missing or changed"):
        sign_checkpoint()
    assert list(AuditCheckpoint.objects.values_list("id", flat=True)) == [checkpoint.id]


def test_it_refuses_to_sign_a_first_checkpoint_over_a_broken_chain(make_user):
    _workload(make_user(Role.SUPERVISOR), 5)
    edited = AuditEvent.objects.order_by("id")[2].id
    _as_superuser_with_triggers_off(("UPDATE portal_auditevent SET reason = 'nothing happened' WHERE id = %s", [edited]))
    with pytest.raises(ChainRewritten, match=f"event {edited} does not recompute"):
        sign_checkpoint()
    assert not AuditCheckpoint.objects.exists()


def test_an_untouched_trail_agrees_with_every_checkpoint(make_user, capsys):
    supervisor = make_user(Role.SUPERVISOR)
    _workload(supervisor, 5)
    sign_checkpoint()
    _workload(supervisor, 5)
    sign_checkpoint()
    _workload(supervisor, 2)
    ok, out = _verify(capsys)
    assert ok, out
    assert "2 signed checkpoint(s): every chain reaches the hash that was signed" in out


def test_deleting_the_stored_checkpoints_too_does_not_hide_the_rewrite(make_user, capsys):
    supervisor, someone_else = make_user(Role.SUPERVISOR), make_user(Role.AUDITOR)
    _workload(supervisor, 10)
    [checkpoint] = sign_checkpoint()
    _rewrite(AuditEvent, delete_last=3, change_actor_of=AuditEvent.objects.order_by("id")[2].id, new_actor=someone_else)
    _as_superuser_with_triggers_off(("DELETE FROM portal_auditcheckpoint", []))

    ok, out = _verify(capsys)
    assert not ok
    assert "not in the database" in out
    assert f"first event that disagrees: portal_auditevent event {checkpoint.seq}" in out


def test_a_kept_copy_of_the_published_checkpoints_catches_a_rewrite_the_server_hid(make_user, client, tmp_path, settings, capsys):
    supervisor, someone_else = make_user(Role.SUPERVISOR), make_user(Role.AUDITOR)
    _workload(supervisor, 10)
    [checkpoint] = sign_checkpoint()
    kept = _published(client, tmp_path)
    _rewrite(AuditEvent, delete_last=2, change_actor_of=AuditEvent.objects.order_by("id")[3].id, new_actor=someone_else)
    # Everything the server held is gone: the stored checkpoints and their files.
    _as_superuser_with_triggers_off(("DELETE FROM portal_auditcheckpoint", []))
    for path in settings.AUDIT_CHECKPOINT_DIR.glob("*.json"):
        path.unlink()
    assert _verify(capsys)[0], "without a checkpoint the rewrite goes unseen"

    ok, out = _verify(capsys, "--checkpoints", str(kept))
    assert not ok
    assert f"first event that disagrees: portal_auditevent event {checkpoint.seq}" in out


def test_it_refuses_a_checkpoint_with_a_forged_signature(make_user, client, tmp_path, capsys):
    supervisor = make_user(Role.SUPERVISOR)
    _workload(supervisor, 4)
    sign_checkpoint()
    document = json.loads(_published(client, tmp_path).read_text())
    real = document["checkpoints"][0]
    forged_statement = real["statement"].replace(real["hash"], "f" * 64)
    forged = dict(real, hash="f" * 64, statement=forged_statement)
    stranger = Ed25519PrivateKey.generate()
    signed_by_stranger = dict(real, signature=base64.b64encode(stranger.sign(real["statement"].encode())).decode())
    path = tmp_path / "forged.json"

    for bad in (forged, signed_by_stranger):
        path.write_text(json.dumps({"checkpoints": [bad]}))
        ok, out = _verify(capsys, "--checkpoints", str(path))
        assert not ok
        assert "does not verify with the public key (forged or altered); refused" in out
        assert "first event that disagrees" not in out


def test_the_published_checkpoints_verify_with_only_the_public_key_and_cryptography(make_user, client):
    _workload(make_user(Role.SUPERVISOR), 3)
    sign_checkpoint()
    head = AuditEvent.objects.order_by("-id").first()

    pem = client.get("/.well-known/audit-checkpoint-key.pem")
    document = client.get("/audit/checkpoints.json").json()

    assert pem.status_code == 200 and pem["Content-Type"] == "application/x-pem-file"
    public_key = serialization.load_pem_public_key(pem.content)
    assert isinstance(public_key, Ed25519PublicKey)
    [checkpoint] = document["checkpoints"]
    public_key.verify(base64.b64decode(checkpoint["signature"]), checkpoint["statement"].encode())  # raises if not
    statement = json.loads(checkpoint["statement"])
    assert statement["chain"] == "portal_auditevent"
    assert (statement["seq"], statement["hash"]) == (head.id, head.hash)
    assert set(statement) == {"chain", "seq", "hash", "signed_at", "key_id"}


def test_the_public_page_lists_every_checkpoint_in_an_accessible_table(make_user, client):
    _workload(make_user(Role.SUPERVISOR), 2)
    [checkpoint] = sign_checkpoint()
    response = client.get("/audit/checkpoints/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<caption>" in html and '<th scope="col">' in html
    assert str(checkpoint.seq) in html and checkpoint.event_hash in html and checkpoint.signature in html
    assert "/audit/checkpoints.json" in html and "/.well-known/audit-checkpoint-key.pem" in html
    main = html[html.index("<h1>"):]
    assert not re.search(r"<script(?![^>]*\bsrc=)", main), "no inline script on the page"


def test_each_checkpoint_is_also_written_as_a_file_outside_the_database(make_user, settings):
    _workload(make_user(Role.SUPERVISOR), 2)
    [checkpoint] = sign_checkpoint()
    [path] = settings.AUDIT_CHECKPOINT_DIR.glob("*.json")
    kept = json.loads(path.read_text())
    assert (kept["statement"], kept["signature"]) == (checkpoint.statement, checkpoint.signature)


def test_signing_again_with_no_new_event_signs_nothing_new(make_user):
    _workload(make_user(Role.SUPERVISOR), 2)
    assert len(sign_checkpoint()) == 1
    assert sign_checkpoint() == []
    record_event(actor=None, action="test.more")
    assert len(sign_checkpoint()) == 1


def test_the_application_cannot_change_or_remove_a_checkpoint(make_user):
    _workload(make_user(Role.SUPERVISOR), 2)
    sign_checkpoint()
    for statement in ("UPDATE portal_auditcheckpoint SET event_hash = 'x'", "DELETE FROM portal_auditcheckpoint"):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement)
    assert AuditCheckpoint.objects.count() == 1


def test_the_custody_chain_is_checkpointed_and_its_rewrite_caught(people, capsys):
    from footage.models import CustodyEvent
    from tests.factories.footage import make_footage
    from tests.factories.incidents import make_incident

    make_footage(incident=make_incident(reporter=people.reporter), uploaded_by=people.reporter, process=False)
    signed = {cp.chain: cp for cp in sign_checkpoint()}
    assert set(signed) == {"portal_auditevent", "footage_custodyevent"}
    custody_head = CustodyEvent.objects.order_by("-id").first()
    assert signed["footage_custodyevent"].seq == custody_head.id

    _rewrite(CustodyEvent, delete_last=1)

    ok, out = _verify(capsys)
    assert not ok
    assert f"first event that disagrees: footage_custodyevent event {custody_head.id}" in out


def test_production_refuses_to_sign_without_a_configured_key(settings, make_user):
    _workload(make_user(Role.SUPERVISOR), 1)
    settings.PRODUCTION = True
    settings.AUDIT_CHECKPOINT_KEY = ""
    with pytest.raises(CommandError, match="AUDIT_CHECKPOINT_KEY is not set"):
        call_command("sign_audit_checkpoint")
    assert not AuditCheckpoint.objects.exists()


def test_the_sign_command_signs_on_demand(make_user, capsys):
    _workload(make_user(Role.SUPERVISOR), 1)
    call_command("sign_audit_checkpoint")
    assert "portal_auditevent: event" in capsys.readouterr().out
    assert AuditCheckpoint.objects.count() == 1


def test_the_daily_beat_task_is_registered_with_a_soft_limit_below_its_hard_limit(settings):
    from portal.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["audit-checkpoint-daily"]
    assert entry["schedule"] <= 24 * 3600
    app.loader.import_default_modules()
    task = app.tasks[entry["task"]]
    assert task.soft_time_limit < task.time_limit


def test_the_beat_task_signs_a_checkpoint(make_user):
    from portal.tasks import sign_audit_checkpoint

    _workload(make_user(Role.SUPERVISOR), 1)
    sign_audit_checkpoint.delay()
    assert AuditCheckpoint.objects.filter(chain="portal_auditevent").count() == 1


def test_an_outsider_checks_with_only_the_published_key_and_list(make_user, client, tmp_path, settings, capsys):
    _workload(make_user(Role.SUPERVISOR), 3)
    sign_checkpoint()
    kept = _published(client, tmp_path)
    key = tmp_path / "audit-checkpoint-key.pem"
    key.write_bytes(client.get("/.well-known/audit-checkpoint-key.pem").content)
    settings.AUDIT_CHECKPOINT_KEY = ""  # the private key is not at hand

    ok, out = _verify(capsys, "--checkpoints", str(kept), "--public-key", str(key))
    assert ok, out
    assert "every chain reaches the hash that was signed" in out


@pytest.mark.django_db(transaction=True)
def test_the_published_list_and_key_can_be_checked_by_url(make_user, live_server, capsys):
    _workload(make_user(Role.SUPERVISOR), 3)
    sign_checkpoint()
    ok, out = _verify(
        capsys,
        "--checkpoints", f"{live_server.url}/audit/checkpoints.json",
        "--public-key", f"{live_server.url}/.well-known/audit-checkpoint-key.pem",
    )
    assert ok, out


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_public_page_meets_wcag_21_aa(make_user, page, live_server):
    from tests.browser import assert_accessible

    _workload(make_user(Role.SUPERVISOR), 3)
    sign_checkpoint()
    page.goto(f"{live_server.url}/audit/checkpoints/")
    assert page.get_by_role("table").count() == 1
    assert_accessible(page)


def test_the_public_page_speaks_spanish_too(make_user, client):
    _workload(make_user(Role.SUPERVISOR), 1)
    sign_checkpoint()
    client.cookies["django_language"] = "es"
    html = client.get("/audit/checkpoints/").content.decode()
    assert "Puntos de control del registro de auditoría" in html and "Registro de auditoría" in html


@pytest.mark.parametrize("content, message", [
    ("not json at all", "not JSON"),
    ('{"checkpoints": [{"statement": "{}", "signature": "x"}]}', "must hold exactly"),
    ('[{"signature": "x"}]', "'statement' string"),
])
def test_a_malformed_checkpoint_file_gives_a_clear_error(tmp_path, content, message):
    path = tmp_path / "copy.json"
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        call_command("verify_audit_chain", "--checkpoints", str(path))


def test_a_missing_checkpoint_file_gives_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such file or folder"):
        call_command("verify_audit_chain", "--checkpoints", str(tmp_path / "nowhere.json"))
