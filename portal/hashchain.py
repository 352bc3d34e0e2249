"""Append-only, hash-chained event tables.

An audit trail an outside auditor can trust needs two properties: the application cannot change
or delete an event (enforced by database triggers, see `append_only.py`), and a change made
around the application, straight in the database, is detectable. For the second, every event
stores the SHA-256 of its own canonical content together with the hash of the event before it;
editing, deleting or reordering any event breaks the chain from that point, and `verify_chain`
reports where.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone as dt_timezone
from decimal import Decimal
from typing import Any, Iterable
from uuid import UUID

from django.db import connection, models, transaction
from django.utils import timezone

GENESIS_HASH = "0" * 64


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(dt_timezone.utc).isoformat(timespec="microseconds")
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def compute_hash(prev_hash: str, content: dict) -> str:
    body = json.dumps(_canonical(content), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


class ChainedEvent(models.Model):
    """Base for event tables whose rows are hash-chained. Subclasses list `CHAIN_FIELDS`."""

    CHAIN_FIELDS: tuple[str, ...] = ()

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        abstract = True
        ordering = ["id"]

    def chain_content(self) -> dict:
        content = {"occurred_at": self.occurred_at}
        for name in self.CHAIN_FIELDS:
            field = self._meta.get_field(name)
            content[name] = getattr(self, field.attname)
        return content


def append_event(model: type[ChainedEvent], **fields: Any) -> ChainedEvent:
    """Insert one event at the head of `model`'s chain.

    Appends are serialised per table so two concurrent writers cannot both chain onto the same
    predecessor: on PostgreSQL with a transaction-scoped advisory lock, on SQLite by its
    single-writer lock (settings open transactions IMMEDIATE).
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [model._meta.db_table])
        last = model.objects.order_by("-id").values_list("hash", flat=True).first()
        event = model(**fields)
        if event.occurred_at is None:
            event.occurred_at = timezone.now()
        event.prev_hash = last or GENESIS_HASH
        event.hash = compute_hash(event.prev_hash, event.chain_content())
        event.save(force_insert=True)
        return event


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


@dataclass(frozen=True)
class ChainReport:
    table: str
    checked: int
    breaks: tuple[ChainBreak, ...]

    @property
    def ok(self) -> bool:
        return not self.breaks


def verify_chain(model: type[ChainedEvent], events: Iterable[ChainedEvent] | None = None) -> ChainReport:
    """Walk the chain in insertion order, recomputing every hash; stream, never load it whole."""
    rows = events if events is not None else model.objects.order_by("id").iterator(chunk_size=2000)
    expected_prev = GENESIS_HASH
    breaks: list[ChainBreak] = []
    checked = 0
    for event in rows:
        checked += 1
        if event.prev_hash != expected_prev:
            breaks.append(ChainBreak(event.id, "does not link to the event before it (an event was deleted, inserted or reordered)"))
        if compute_hash(event.prev_hash, event.chain_content()) != event.hash:
            breaks.append(ChainBreak(event.id, "content does not match its hash (the event was edited)"))
        expected_prev = event.hash
    return ChainReport(model._meta.db_table, checked, tuple(breaks))
