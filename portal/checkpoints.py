"""Signed checkpoints of the hash chains: the anchor of the audit trail outside the database.

The hash chain alone shows that the trail is consistent, not that it is the trail that was
written: whoever controls the database can delete or edit events and recompute every later hash
with `compute_hash`. So the head of each chain (the last event's number and hash) is signed, at
least daily and on demand, with an Ed25519 key the database never holds (settings
`AUDIT_CHECKPOINT_KEY`, loaded like the release-signing key). Every checkpoint is kept in the
append-only `AuditCheckpoint` table, written as a file to `AUDIT_CHECKPOINT_DIR`, and published
on the public site (`/audit/checkpoints.json`); anyone who kept a copy can show that a chain
rewritten after a checkpoint no longer reaches the hash that was signed.

A checkpoint is a canonical JSON statement {chain, seq, hash, signed_at, key_id} and the base64
signature of its exact bytes; verifying one needs only the public key and `cryptography`.
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.apps import apps
from django.conf import settings
from django.core import checks
from django.db import connection, transaction
from django.utils import timezone

from releases.signing import (
    SigningKeyError,
    generate_key_file,
    load_public_key_pem,
    private_key_from_setting,
    public_key_pem,
    sign,
    signature_is_valid,
)

from . import transparency_log
from .hashchain import GENESIS_HASH, ChainedEvent, compute_hash
from .models import AuditCheckpoint

FORMAT = "portal-audit-checkpoints/1"
STATEMENT_FIELDS = ("chain", "hash", "key_id", "seq", "signed_at")


class CheckpointError(Exception):
    """A checkpoint, or a file or URL said to hold checkpoints, cannot be read."""


@dataclass(frozen=True)
class Checkpoint:
    """One signed statement, as stored, written to a file or published."""

    statement: str
    signature: str
    chain: str
    seq: int
    hash: str
    signed_at: str
    key_id: str

    @classmethod
    def parse(cls, document: Any) -> Checkpoint:
        if not isinstance(document, dict) or not isinstance(document.get("statement"), str):
            raise CheckpointError("a checkpoint must be an object with a 'statement' string and a 'signature'")
        signature = document.get("signature")
        if not isinstance(signature, str):
            raise CheckpointError("a checkpoint has no 'signature' string")
        try:
            body = json.loads(document["statement"])
        except ValueError as exc:
            raise CheckpointError("a checkpoint's statement is not JSON") from exc
        if not isinstance(body, dict) or set(body) != set(STATEMENT_FIELDS):
            raise CheckpointError(f"a checkpoint's statement must hold exactly {', '.join(STATEMENT_FIELDS)}")
        if not isinstance(body["seq"], int) or not all(isinstance(body[k], str) for k in ("chain", "hash", "signed_at", "key_id")):
            raise CheckpointError("a checkpoint's statement has a field of the wrong type")
        return cls(document["statement"], signature, body["chain"], body["seq"], body["hash"], body["signed_at"], body["key_id"])

    @classmethod
    def from_row(cls, row: AuditCheckpoint) -> Checkpoint:
        return cls.parse({"statement": row.statement, "signature": row.signature})

    def document(self) -> dict[str, Any]:
        return {
            "chain": self.chain,
            "seq": self.seq,
            "hash": self.hash,
            "signed_at": self.signed_at,
            "key_id": self.key_id,
            "statement": self.statement,
            "signature": self.signature,
        }

    def signature_verifies(self, public_key: Ed25519PublicKey) -> bool:
        return signature_is_valid(public_key, self.statement.encode(), self.signature)


def canonical_statement(*, chain: str, seq: int, hash: str, signed_at: str, key_id: str) -> str:
    body = {"chain": chain, "seq": seq, "hash": hash, "signed_at": signed_at, "key_id": key_id}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def load_checkpoint_key(*, create: bool = False) -> Ed25519PrivateKey:
    """The configured key. In development a missing PEM file is created when `create` (the
    signer asks; a verifier never does: a new key would verify nothing)."""
    value = settings.AUDIT_CHECKPOINT_KEY
    if create and not settings.PRODUCTION and value.endswith(".pem") and not Path(value).exists():
        try:
            generate_key_file(value)
        except FileExistsError:
            pass  # another process created it first
    return private_key_from_setting(value, setting="AUDIT_CHECKPOINT_KEY")


@checks.register(checks.Tags.security, deploy=True)
def check_checkpoint_key(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """`check --deploy` refuses a deployment that cannot sign its checkpoints."""
    try:
        load_checkpoint_key()
    except SigningKeyError as exc:
        return [checks.Error(str(exc), hint="Set AUDIT_CHECKPOINT_KEY (see .env.example).", id="portal.E001")]
    return []


def checkpoint_public_key() -> Ed25519PublicKey:
    return load_checkpoint_key().public_key()


def chained_models() -> list[type[ChainedEvent]]:
    return [m for m in apps.get_models() if issubclass(m, ChainedEvent)]


class ChainRewritten(CheckpointError):
    """A chain no longer extends its last checkpoint: it was not signed."""


def sign_checkpoint() -> list[AuditCheckpoint]:
    """Sign the head of every chain whose head moved since its last checkpoint; store each
    checkpoint and write it to AUDIT_CHECKPOINT_DIR. Running it twice in a row signs nothing new.

    A head is signed only if the events since the last checkpoint recompute from its signed hash:
    a trail rewritten in between is never anchored. Such chains are left unsigned and reported
    by `ChainRewritten` once the others are stored."""
    private_key = load_checkpoint_key(create=True)
    kid = key_id(private_key.public_key())
    signed: list[AuditCheckpoint] = []
    refused: list[str] = []
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [AuditCheckpoint._meta.db_table])
        for model in chained_models():
            chain = model._meta.db_table
            head = model.objects.order_by("-id").values("id", "hash").first()
            if head is None:
                continue
            last = AuditCheckpoint.objects.filter(chain=chain).order_by("-id").first()
            if last and (last.seq, last.event_hash, last.key_id) == (head["id"], head["hash"], kid):
                continue
            problem = _does_not_extend(model, last, head["id"])
            if problem:
                refused.append(f"{chain}: {problem}")
                continue
            signed_at = timezone.now()
            statement = canonical_statement(
                chain=chain, seq=head["id"], hash=head["hash"], signed_at=signed_at.isoformat(timespec="microseconds"), key_id=kid
            )
            signed.append(
                AuditCheckpoint.objects.create(
                    chain=chain,
                    seq=head["id"],
                    event_hash=head["hash"],
                    signed_at=signed_at,
                    key_id=kid,
                    statement=statement,
                    signature=sign(private_key, statement.encode()),
                )
            )
        # Written inside the transaction: a file whose row rolls back is still a true, signed
        # statement about events that were already committed.
        for row in signed:
            _write_file(Checkpoint.from_row(row))
            transparency_log.append(transparency_log.checkpoint_entry(Checkpoint.from_row(row).document()))
    if refused:
        raise ChainRewritten("Not signed, the chain no longer extends its last checkpoint: " + "; ".join(refused))
    return signed


def _does_not_extend(model: type[ChainedEvent], last: AuditCheckpoint | None, head_id: int) -> str:
    """Why the events after `last` (all of them, with no checkpoint yet) do not recompute from
    its signed hash up to `head_id`; empty when they do."""
    start = last.seq if last else 0
    running = GENESIS_HASH
    if last is not None:
        anchor = model.objects.filter(id=last.seq).values_list("hash", flat=True).first()
        if anchor != last.event_hash:
            return f"event {last.seq}, signed {last.signed_at.isoformat()}, is missing or changed"
        running = last.event_hash
    for event in model.objects.filter(id__gt=start, id__lte=head_id).order_by("id").iterator(chunk_size=2000):
        running = compute_hash(running, event.chain_content())
        if running != event.hash:
            return f"event {event.id} does not recompute from the events before it"
    return ""


def _write_file(checkpoint: Checkpoint) -> Path:
    folder = Path(settings.AUDIT_CHECKPOINT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = checkpoint.signed_at.replace(":", "").replace("-", "").replace("+0000", "Z")
    path = folder / f"{checkpoint.chain}-{checkpoint.seq:012d}-{stamp}.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(checkpoint.document(), f, indent=2, sort_keys=True)
        f.write("\n")
    return path


# ---- reading checkpoints -----------------------------------------------------------------------

def stored_checkpoints() -> list[Checkpoint]:
    return [Checkpoint.from_row(row) for row in AuditCheckpoint.objects.order_by("id")]


def directory_checkpoints(folder: str | os.PathLike[str] | None = None) -> list[Checkpoint]:
    folder = Path(folder if folder is not None else settings.AUDIT_CHECKPOINT_DIR)
    if not folder.is_dir():
        return []
    found: list[Checkpoint] = []
    for path in sorted(folder.glob("*.json")):
        found.extend(_parse_any(_read_json(path.read_bytes(), str(path)), str(path)))
    return found


def load_checkpoints(source: str) -> list[Checkpoint]:
    """Checkpoints from a folder of checkpoint files, one file (a checkpoint, a list of them or the
    published document) or the published document's URL."""
    if source.startswith(("https://", "http://")):
        try:
            with urllib.request.urlopen(source, timeout=30) as response:  # noqa: S310 (the operator's own URL)
                return _parse_any(_read_json(response.read(), source), source)
        except OSError as exc:
            raise CheckpointError(f"{source}: could not be fetched ({exc})") from exc
    path = Path(source)
    if path.is_dir():
        return directory_checkpoints(path)
    if not path.is_file():
        raise CheckpointError(f"{source}: no such file or folder")
    return _parse_any(_read_json(path.read_bytes(), source), source)


def _read_json(data: bytes, origin: str) -> Any:
    try:
        return json.loads(data)
    except ValueError as exc:
        raise CheckpointError(f"{origin}: not JSON") from exc


def _parse_any(document: Any, origin: str) -> list[Checkpoint]:
    items = document.get("checkpoints") if isinstance(document, dict) and "checkpoints" in document else document
    items = items if isinstance(items, list) else [items]
    try:
        return [Checkpoint.parse(item) for item in items]
    except CheckpointError as exc:
        raise CheckpointError(f"{origin}: {exc}") from exc


def published_document() -> dict[str, Any]:
    """What /audit/checkpoints.json serves: every checkpoint, and the key that checks them."""
    try:
        public_key = checkpoint_public_key()
    except SigningKeyError:
        public_key = None
    return {
        "format": FORMAT,
        "key_id": key_id(public_key) if public_key else None,
        "public_key_pem": public_key_pem(public_key).decode() if public_key else None,
        "checkpoints": [cp.document() for cp in stored_checkpoints()],
    }


def public_key_from(source: str) -> Ed25519PublicKey:
    """A public key from a PEM file or URL (someone checking with the key they kept)."""
    if source.startswith(("https://", "http://")):
        try:
            with urllib.request.urlopen(source, timeout=30) as response:  # noqa: S310
                return load_public_key_pem(response.read())
        except OSError as exc:
            raise CheckpointError(f"{source}: could not be fetched ({exc})") from exc
    try:
        return load_public_key_pem(Path(source).read_bytes())
    except OSError as exc:
        raise CheckpointError(f"{source}: cannot be read ({exc})") from exc


# ---- checking the chains against them ----------------------------------------------------------

@dataclass(frozen=True)
class Disagreement:
    chain: str
    seq: int
    reason: str
    refused: bool = False  # the checkpoint itself was refused, so it says nothing about the event


@dataclass
class CheckpointReport:
    checked: int = 0
    disagreements: list[Disagreement] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.disagreements


def check_against_checkpoints(checkpoints: Iterable[Checkpoint], public_key: Ed25519PublicKey) -> CheckpointReport:
    """Verify each checkpoint's signature, then recompute each chain from its first event and
    check that the event each checkpoint names exists and hashes to what was signed. A chain's
    disagreements come in chain order, so the first one names the first event that disagrees."""
    report = CheckpointReport()
    unique = {(cp.statement, cp.signature): cp for cp in checkpoints}.values()
    by_chain: dict[str, list[Checkpoint]] = defaultdict(list)
    models = {m._meta.db_table: m for m in chained_models()}
    for cp in unique:
        report.checked += 1
        if not cp.signature_verifies(public_key):
            report.disagreements.append(Disagreement(
                cp.chain, cp.seq, f"the checkpoint signed {cp.signed_at} does not verify with the public key (forged or altered); refused",
                refused=True,
            ))
        elif cp.chain not in models:
            report.disagreements.append(Disagreement(cp.chain, cp.seq, f"the checkpoint names an unknown chain {cp.chain!r}", refused=True))
        else:
            by_chain[cp.chain].append(cp)
    for chain, cps in by_chain.items():
        report.disagreements.extend(_walk(models[chain], sorted(cps, key=lambda cp: cp.seq)))
    return report


def _walk(model: type[ChainedEvent], checkpoints: list[Checkpoint]) -> list[Disagreement]:
    chain = model._meta.db_table
    found: list[Disagreement] = []
    confirmed = 0  # the last checkpointed event that agreed: everything up to it is as signed

    def since() -> str:
        return f"after event {confirmed}, which an earlier checkpoint confirms" if confirmed else "from the start of the chain"

    pending = iter(checkpoints)
    cp = next(pending, None)
    running = GENESIS_HASH
    rows = model.objects.filter(id__lte=checkpoints[-1].seq).order_by("id").iterator(chunk_size=2000)
    for event in rows:
        running = compute_hash(running, event.chain_content())
        while cp is not None and cp.seq < event.id:
            found.append(Disagreement(chain, cp.seq, f"is missing, but the checkpoint signed {cp.signed_at} names it: the trail was rewritten {since()}"))
            cp = next(pending, None)
        while cp is not None and cp.seq == event.id:
            if running == cp.hash:
                confirmed = event.id
            else:
                found.append(Disagreement(
                    chain, cp.seq,
                    f"hashes to {running[:16]}…, not the {cp.hash[:16]}… signed {cp.signed_at}: the trail was rewritten {since()}",
                ))
            cp = next(pending, None)
    while cp is not None:
        found.append(Disagreement(chain, cp.seq, f"is missing, but the checkpoint signed {cp.signed_at} names it: the trail was rewritten {since()}"))
        cp = next(pending, None)
    return found
