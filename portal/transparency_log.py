"""The public append-only log of everything the city signs: each release manifest (and its
withdrawal) and each audit checkpoint is a leaf of a Merkle tree (`transparency.merkle`), and
the tree's head is signed with the release-signing key after every entry. Anyone who keeps a
tree head can later prove that the log only grew (`python -m transparency.logcheck`).

Entries are appended inside the caller's transaction, so a rolled-back publication leaves no
entry; tree heads are signed on commit, and `manage.py sign_log_tree_head` covers entries whose
process died before it signed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from releases.signing import load_signing_key, sign
from transparency import merkle

from .models import LogEntry, SignedTreeHead

log = logging.getLogger(__name__)

RELEASE_PUBLISHED = "release.published"
RELEASE_WITHDRAWN = "release.withdrawn"
AUDIT_CHECKPOINT = "audit.checkpoint"


class LogError(Exception):
    """A request about the log that cannot be answered (a size or index outside the tree)."""


def canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def release_entry(release) -> dict[str, Any]:
    """A published release's entry: its signed manifest, whole. No time: the same release always
    gives the same bytes, so anyone can find its leaf from the manifest they downloaded."""
    return {"kind": RELEASE_PUBLISHED, "release_id": release.pk, "manifest": release.manifest, "signature": release.signature}


def withdrawal_entry(release, reason: str) -> dict[str, Any]:
    return {"kind": RELEASE_WITHDRAWN, "release_id": release.pk, "manifest_sha256": hashlib.sha256(canonical(release.manifest)).hexdigest(),
            "reason": reason}


def checkpoint_entry(document: dict[str, Any]) -> dict[str, Any]:
    return {"kind": AUDIT_CHECKPOINT, "statement": document["statement"], "signature": document["signature"]}


def append(document: dict[str, Any]) -> LogEntry:
    """Add one entry; must run inside the transaction of the change it records."""
    if not transaction.get_connection().in_atomic_block:
        raise LogError("log entries are appended inside the transaction of what they record")
    data = canonical(document)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [LogEntry._meta.db_table])
    last = LogEntry.objects.order_by("-index").values_list("index", flat=True).first()
    row = LogEntry.objects.create(
        index=0 if last is None else last + 1, kind=document["kind"], entry=data.decode("utf-8"),
        leaf_hash=merkle.leaf_hash(data).hex(), logged_at=timezone.now(),
    )
    transaction.on_commit(_sign_after_commit)
    return row


def _sign_after_commit() -> None:
    try:
        sign_tree_head()
    except Exception:  # the entry is committed; the next entry or the command signs over it
        log.exception("signing the log's tree head failed")


def leaf_hashes(size: int | None = None) -> list[bytes]:
    rows = LogEntry.objects.order_by("index")
    if size is not None:
        rows = rows[:size]
    return [bytes.fromhex(h) for h in rows.values_list("leaf_hash", flat=True)]


def tree_size() -> int:
    return LogEntry.objects.count()


def sign_tree_head() -> SignedTreeHead | None:
    """Sign the head of the whole log unless the latest tree head already covers it."""
    leaves = leaf_hashes()
    latest = SignedTreeHead.objects.order_by("-tree_size").first()
    if not leaves or (latest is not None and latest.tree_size >= len(leaves)):
        return latest
    key = load_signing_key()
    from portal.checkpoints import key_id

    root = merkle.root_hash(leaves)
    now = timezone.now()
    kid = key_id(key.public_key())
    statement = merkle.tree_head_statement(tree_size=len(leaves), root_hash=root, timestamp=now.isoformat(timespec="microseconds"), key_id=kid)
    try:
        with transaction.atomic():
            head = SignedTreeHead.objects.create(
                tree_size=len(leaves), root_hash=root.hex(), timestamp=now, key_id=kid, statement=statement.decode("ascii"),
                signature=sign(key, statement),
            )
    except IntegrityError:
        return SignedTreeHead.objects.get(tree_size=len(leaves))  # another process signed the same size
    from portal.timestamps import request_timestamps

    request_timestamps("tree_head", head.pk, statement)
    return head


def tree_head_document(head: SignedTreeHead) -> dict[str, Any]:
    body = json.loads(head.statement)
    return {**body, "signature": head.signature, "signature_algorithm": "Ed25519",
            "public_key_url": "/.well-known/release-signing-key.pem"}


def entry_document(row: LogEntry) -> dict[str, Any]:
    return {"index": row.index, "leaf_hash": row.leaf_hash, "kind": row.kind, "entry": row.entry,
            "logged_at": row.logged_at.isoformat()}


def _check_size(size: int, current: int) -> None:
    if not 0 < size <= current:
        raise LogError(f"tree_size must be between 1 and {current}")


def inclusion(index: int, size: int) -> dict[str, Any]:
    leaves = leaf_hashes()
    _check_size(size, len(leaves))
    if not 0 <= index < size:
        raise LogError(f"index must be between 0 and {size - 1}")
    proof = merkle.inclusion_proof(index, leaves[:size])
    return {"leaf_index": index, "tree_size": size, "leaf_hash": leaves[index].hex(),
            "root_hash": merkle.b64(merkle.root_hash(leaves[:size])), "audit_path": [merkle.b64(p) for p in proof]}


def consistency(first: int, second: int) -> dict[str, Any]:
    leaves = leaf_hashes()
    _check_size(second, len(leaves))
    if not 0 < first <= second:
        raise LogError(f"first must be between 1 and {second}")
    proof = merkle.consistency_proof(first, leaves[:second])
    return {"first": first, "second": second, "consistency": [merkle.b64(p) for p in proof]}


def release_inclusion(release) -> dict[str, Any] | None:
    """The log entry of a published release with its inclusion proof under the latest tree head,
    checked here, or None if it is not in the log (or no tree head covers it yet)."""
    leaf = merkle.leaf_hash(canonical(release_entry(release))).hex()
    row = LogEntry.objects.filter(leaf_hash=leaf).order_by("index").first()
    head = SignedTreeHead.objects.order_by("-tree_size").first()
    if row is None or head is None or row.index >= head.tree_size:
        return None
    proof = inclusion(row.index, head.tree_size)
    verified = merkle.verify_inclusion(
        bytes.fromhex(leaf), row.index, head.tree_size, [merkle.unb64(p) for p in proof["audit_path"]], bytes.fromhex(head.root_hash)
    )
    return {**proof, "verified": verified, "tree_head": tree_head_document(head)}


def record_release_transition(release, before: str, *, reason: str = "") -> None:
    """Called by the release workflow's writer inside its transaction: a publication or a
    withdrawal of a published release becomes a log entry, and the manifest is timestamped."""
    if release.state == "published" and before != "published":
        append(release_entry(release))
        from releases.manifest import canonical_bytes

        message, pk = canonical_bytes(release.manifest), release.pk
        transaction.on_commit(lambda: _timestamp_after_commit("release_manifest", pk, message))
    elif before == "published" and release.state != "published":
        append(withdrawal_entry(release, reason))


def _timestamp_after_commit(subject: str, subject_id: int, message: bytes) -> None:
    from portal.timestamps import request_timestamps

    try:
        request_timestamps(subject, subject_id, message)
    except Exception:  # trusted time is an addition; its absence never undoes a publication
        log.exception("timestamping %s %s failed", subject, subject_id)


def log_missing_releases() -> list[LogEntry]:
    """Entries for published releases that are not in the log yet (published before the log
    existed). Running it again adds nothing."""
    from releases.selectors import published_releases

    added = []
    for release in published_releases().order_by("published_at", "pk"):
        with transaction.atomic():
            leaf = merkle.leaf_hash(canonical(release_entry(release))).hex()
            if not LogEntry.objects.filter(leaf_hash=leaf).exists():
                added.append(append(release_entry(release)))
    return added
