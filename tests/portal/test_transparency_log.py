"""The public log of what the city signs: checkpoints (and releases, see
tests/releases/test_content_credentials.py) become entries, tree heads are signed, the proofs
served publicly verify, and anyone's copy of an old tree head catches a rewritten log."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import DatabaseError, transaction

from portal import transparency_log
from portal.audit import record_event
from portal.checkpoints import sign_checkpoint
from portal.models import LogEntry, SignedTreeHead
from portal.roles import Role
from releases.signing import generate_key_file, public_key_pem
from transparency import logcheck, merkle

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _release_key(settings, tmp_path):
    settings.RELEASE_SIGNING_KEY = str(tmp_path / "release-key.pem")
    return generate_key_file(settings.RELEASE_SIGNING_KEY)


def _checkpoints(user, n, capture):
    heads = []
    for i in range(n):
        record_event(actor=user, action="test.step", object_type="test", object_id=i, reason=f"step {i}")
        with capture(execute=True):
            sign_checkpoint()
        heads.append(transparency_log.tree_head_document(SignedTreeHead.objects.order_by("-tree_size").first()))
    return heads


def test_a_signed_checkpoint_becomes_an_entry_under_a_signed_tree_head(make_user, django_capture_on_commit_callbacks, _release_key):
    user = make_user(Role.AUDITOR)
    (head,) = _checkpoints(user, 1, django_capture_on_commit_callbacks)
    entry = LogEntry.objects.get()
    assert entry.kind == "audit.checkpoint" and json.loads(entry.entry)["signature"]
    assert head["tree_size"] == LogEntry.objects.count()
    assert merkle.tree_head_verifies(head, _release_key.public_key())


def test_the_log_refuses_to_be_changed(make_user, django_capture_on_commit_callbacks):
    _checkpoints(make_user(Role.AUDITOR), 1, django_capture_on_commit_callbacks)
    with pytest.raises(DatabaseError), transaction.atomic():
        LogEntry.objects.update(kind="edited")
    with pytest.raises(DatabaseError), transaction.atomic():
        SignedTreeHead.objects.all().delete()


def test_the_public_proofs_verify_against_the_published_tree_head(client, make_user, django_capture_on_commit_callbacks):
    _checkpoints(make_user(Role.AUDITOR), 3, django_capture_on_commit_callbacks)
    sth = client.get("/log/sth").json()
    entries = client.get("/log/entries?start=0").json()["entries"]
    assert len(entries) == sth["tree_size"] >= 3
    for entry in entries:
        assert merkle.leaf_hash(entry["entry"].encode()).hex() == entry["leaf_hash"]
        proof = client.get(f"/log/proof/inclusion?leaf_hash={entry['leaf_hash']}&tree_size={sth['tree_size']}").json()
        logcheck.check_inclusion(entry["leaf_hash"], proof["leaf_index"], sth, proof["audit_path"])
    assert client.get("/log/").status_code == 200


@pytest.mark.parametrize("query", ["index=abc", "index=-1", "index=99&tree_size=1", "tree_size=99&index=0", "", "leaf_hash="])
def test_bad_inclusion_parameters_get_a_400_with_json(client, make_user, django_capture_on_commit_callbacks, query):
    _checkpoints(make_user(Role.AUDITOR), 1, django_capture_on_commit_callbacks)
    response = client.get(f"/log/proof/inclusion?{query}")
    assert response.status_code == 400 and "error" in response.json()


@pytest.mark.parametrize("query", ["first=1", "first=x&second=1", "first=2&second=1", "first=0&second=1", "first=1&second=999"])
def test_bad_consistency_parameters_get_a_400_with_json(client, make_user, django_capture_on_commit_callbacks, query):
    _checkpoints(make_user(Role.AUDITOR), 1, django_capture_on_commit_callbacks)
    response = client.get(f"/log/proof/consistency?{query}")
    assert response.status_code == 400 and "error" in response.json()


def test_the_log_check_command_accepts_a_log_that_only_grew(client, make_user, django_capture_on_commit_callbacks, tmp_path, _release_key):
    heads = _checkpoints(make_user(Role.AUDITOR), 3, django_capture_on_commit_callbacks)
    old, new = heads[0], heads[-1]
    proof = client.get(f"/log/proof/consistency?first={old['tree_size']}&second={new['tree_size']}").json()
    files = _write(tmp_path, old=old, new=new, proof=proof, key=public_key_pem(_release_key.public_key()))
    assert logcheck.main(["--key", files["key"], "--old", files["old"], "--new", files["new"], "--proof", files["proof"]]) == 0


def test_a_log_with_an_entry_removed_or_changed_fails_the_check_against_the_earlier_tree_head(
    make_user, django_capture_on_commit_callbacks, tmp_path, _release_key
):
    heads = _checkpoints(make_user(Role.AUDITOR), 3, django_capture_on_commit_callbacks)
    kept = heads[1]
    entries = [row.entry.encode() for row in LogEntry.objects.order_by("index")]
    # Whoever holds the key rewrites the log and signs fresh tree heads over it.
    changed = list(entries)
    changed[0] = changed[0].replace(b"audit.checkpoint", b"audit.checkpoinT")
    removed = entries[1:] + [b'{"kind":"padding"}']
    for rewritten in (changed, removed):
        leaves = [merkle.leaf_hash(e) for e in rewritten]
        head = _signed_head(_release_key, leaves)
        proof = {"consistency": [merkle.b64(p) for p in merkle.consistency_proof(kept["tree_size"], leaves)]}
        files = _write(tmp_path, old=kept, new=head, proof=proof, key=public_key_pem(_release_key.public_key()))
        assert logcheck.main(["--key", files["key"], "--old", files["old"], "--new", files["new"], "--proof", files["proof"]]) == 1


def test_a_tree_head_signed_by_another_key_fails_the_check(make_user, django_capture_on_commit_callbacks, tmp_path, _release_key):
    heads = _checkpoints(make_user(Role.AUDITOR), 2, django_capture_on_commit_callbacks)
    leaves = transparency_log.leaf_hashes()
    forged = _signed_head(Ed25519PrivateKey.generate(), leaves)
    with pytest.raises(logcheck.LogCheckFailed):
        logcheck.check_consistency(heads[0], forged, [merkle.b64(p) for p in merkle.consistency_proof(heads[0]["tree_size"], leaves)],
                                   _release_key.public_key())


def _signed_head(key, leaves):
    statement = merkle.tree_head_statement(tree_size=len(leaves), root_hash=merkle.root_hash(leaves), timestamp="2030-01-01T00:00:00+00:00",
                                           key_id="k")
    import base64

    return {**json.loads(statement), "signature": base64.b64encode(key.sign(statement)).decode()}


def _write(folder: Path, **documents) -> dict[str, str]:
    paths = {}
    for name, value in documents.items():
        path = folder / f"{name}.{'pem' if name == 'key' else 'json'}"
        path.write_bytes(value if isinstance(value, bytes) else json.dumps(value).encode())
        paths[name] = str(path)
    return paths


def test_a_withdrawn_release_is_logged_as_a_withdrawal_of_its_manifest():
    from types import SimpleNamespace

    release = SimpleNamespace(pk=7, state="withheld", manifest={"file": {"sha256": "a" * 64}}, signature="sig")
    with transaction.atomic():
        transparency_log.record_release_transition(release, "published", reason="court order")
    entry = json.loads(LogEntry.objects.get().entry)
    assert entry["kind"] == "release.withdrawn" and entry["release_id"] == 7 and entry["reason"] == "court order"
    assert entry["manifest_sha256"] == hashlib.sha256(transparency_log.canonical(release.manifest)).hexdigest()

