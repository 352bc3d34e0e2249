"""Deleting originals whose retention has ended: a batch lists what is due, a records officer
(the release officer role: "records / legal" in PRODUCT.md) approves it as a whole, and the batch
then deletes item by item, leaving a tombstone and a custody entry for each.

Each item is its own transaction, claimed under a row lock and re-checked (a hold placed since the
batch was listed wins), so a worker killed midway leaves a batch whose remaining items are still
pending and `run_batch` run again finishes it. Bytes are deleted before the row records it:
deleting an already missing file is a no-op, so a rerun after a crash between the two completes
the record. A storage error leaves the item as it was, marked failed with the error.
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from portal.audit import record_event
from portal.models import AuditOutcome
from portal.roles import Role, has_role

from .custody import record_custody
from .lifecycle_errors import LifecycleError, LifecycleRefused
from .models import (
    CustodyAction, CustodyEvent, DeletionBatch, DeletionBatchState, DeletionItem, DeletionItemState, FootageItem, Tombstone,
)
from .retention import due_items, is_due

log = logging.getLogger(__name__)
DERIVED_FIELDS = ("proxy", "poster", "thumbnail_strip")


def may_approve_deletion(user) -> bool:
    return has_role(user, Role.RELEASE_OFFICER)


def may_list_deletion(user) -> bool:
    return has_role(user, Role.RELEASE_OFFICER, Role.SUPERVISOR)


def propose_batch(*, actor: User | None = None, request=None) -> DeletionBatch | None:
    """List every due item not already in an open batch; None when nothing is due. `actor` None
    is the scheduled retention run."""
    if actor is not None and not may_list_deletion(actor):
        record_event(actor=actor, action="deletion.propose_refused", object_type="footage.deletionbatch",
                     outcome=AuditOutcome.REFUSED, reason="only supervisors and records officers list deletions", request=request)
        raise LifecycleRefused("Only supervisors and records officers list footage for deletion.")
    with transaction.atomic():
        listed = set(DeletionItem.objects.filter(
            batch__state__in=[DeletionBatchState.PROPOSED, DeletionBatchState.APPROVED], state=DeletionItemState.PENDING,
        ).values_list("footage_id", flat=True))
        due = [(item, ends) for item, ends in due_items() if item.pk not in listed]
        if not due:
            return None
        batch = DeletionBatch.objects.create(created_by=actor)
        DeletionItem.objects.bulk_create([DeletionItem(batch=batch, footage=item, due_at=ends) for item, ends in due])
        record_event(actor=actor, action="deletion.batch_proposed", target=batch, request=request,
                     detail={"footage": [item.pk for item, _ in due]})
    return batch


def approve_batch(batch: DeletionBatch, *, actor: User, request=None) -> DeletionBatch:
    if not may_approve_deletion(actor):
        record_event(actor=actor, action="deletion.approve_refused", target=batch, outcome=AuditOutcome.REFUSED,
                     reason="only records officers approve deletion", request=request)
        raise LifecycleRefused("Only a records officer (release officer) approves deletion.")
    with transaction.atomic():
        batch = DeletionBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.state != DeletionBatchState.PROPOSED:
            raise LifecycleError(f"This batch is {batch.get_state_display().lower()}; only a waiting batch can be approved.")
        batch.state, batch.approved_by, batch.approved_at = DeletionBatchState.APPROVED, actor, timezone.now()
        batch.save(update_fields=["state", "approved_by", "approved_at"])
        record_event(actor=actor, action="deletion.batch_approved", target=batch, from_state=DeletionBatchState.PROPOSED,
                     to_state=DeletionBatchState.APPROVED, request=request,
                     detail={"footage": list(batch.items.values_list("footage_id", flat=True))})
        transaction.on_commit(lambda: _enqueue(batch.pk))
    return batch


def cancel_batch(batch: DeletionBatch, *, actor: User, request=None) -> DeletionBatch:
    if not may_approve_deletion(actor):
        record_event(actor=actor, action="deletion.cancel_refused", target=batch, outcome=AuditOutcome.REFUSED,
                     reason="only records officers cancel deletion", request=request)
        raise LifecycleRefused("Only a records officer (release officer) cancels a deletion batch.")
    with transaction.atomic():
        batch = DeletionBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.state != DeletionBatchState.PROPOSED:
            raise LifecycleError("Only a batch still waiting for approval can be cancelled.")
        batch.state = DeletionBatchState.CANCELLED
        batch.save(update_fields=["state"])
        record_event(actor=actor, action="deletion.batch_cancelled", target=batch, from_state=DeletionBatchState.PROPOSED,
                     to_state=DeletionBatchState.CANCELLED, request=request)
    return batch


def _enqueue(batch_id: int) -> None:
    from .tasks import run_deletion_batch

    run_deletion_batch.delay(batch_id)


def run_batch(batch_id: int) -> dict[str, int]:
    """Delete every pending item of an approved batch; safe to run twice or after a crash."""
    counts = {state: 0 for state in DeletionItemState.values}
    if not DeletionBatch.objects.filter(pk=batch_id, state=DeletionBatchState.APPROVED).exists():
        return counts
    for entry_id in DeletionItem.objects.filter(batch_id=batch_id, state=DeletionItemState.PENDING).values_list("pk", flat=True):
        counts[_delete_one(entry_id)] += 1
    with transaction.atomic():
        batch = DeletionBatch.objects.select_for_update().get(pk=batch_id)
        if batch.state == DeletionBatchState.APPROVED and not batch.items.filter(state=DeletionItemState.PENDING).exists():
            batch.state, batch.finished_at = DeletionBatchState.DONE, timezone.now()
            batch.save(update_fields=["state", "finished_at"])
            record_event(actor=None, action="deletion.batch_done", target=batch, from_state=DeletionBatchState.APPROVED,
                         to_state=DeletionBatchState.DONE,
                         detail={s: batch.items.filter(state=s).count() for s in DeletionItemState.values})
    return counts


def resume_approved_batches() -> int:
    """The sweeper's half: batches a dead worker left approved but unfinished."""
    ids = list(DeletionBatch.objects.filter(state=DeletionBatchState.APPROVED).values_list("pk", flat=True))
    for batch_id in ids:
        run_batch(batch_id)
    return len(ids)


def _delete_one(entry_id: int) -> str:
    with transaction.atomic():
        entry = (DeletionItem.objects.select_for_update(skip_locked=True, of=("self",))
                 .filter(pk=entry_id, state=DeletionItemState.PENDING).select_related("batch", "batch__approved_by").first())
        if entry is None:
            return DeletionItemState.PENDING  # another worker has it, or it is finished
        item = FootageItem.objects.select_for_update(of=("self",)).select_related("incident").get(pk=entry.footage_id)
        if item.deleted_at is None and not is_due(item):
            entry.state, entry.last_error = DeletionItemState.SKIPPED, "no longer due (a hold, a reopened case, a release or a new period)"
            entry.save(update_fields=["state", "last_error"])
            return entry.state
        if item.deleted_at is None:
            try:
                item.original.storage.delete(item.original.name)
            except Exception as exc:  # any storage backend's error: the original stays, as it was
                log.warning("deleting footage %s failed: %s", item.pk, exc)
                entry.state, entry.last_error = DeletionItemState.FAILED, f"storage error: {exc}"[:2000]
                entry.save(update_fields=["state", "last_error"])
                record_event(actor=None, action="deletion.storage_error", target=item, outcome=AuditOutcome.FAILED,
                             reason=entry.last_error, detail={"batch": entry.batch_id})
                return entry.state
            leftovers = _delete_derived(item)
            _tombstone(item, entry, leftovers)
        entry.state, entry.last_error = DeletionItemState.DELETED, ""
        entry.save(update_fields=["state", "last_error"])
        return entry.state


def _delete_derived(item: FootageItem) -> list[str]:
    leftovers = []
    for name in DERIVED_FIELDS:
        field_file = getattr(item, name)
        if field_file:
            try:
                field_file.storage.delete(field_file.name)
            except Exception as exc:  # a derived copy left behind is named in the tombstone's custody entry
                leftovers.append(f"{name}: {exc}")
    return leftovers


def _tombstone(item: FootageItem, entry: DeletionItem, leftovers: list[str]) -> None:
    head = CustodyEvent.objects.filter(footage=item).order_by("-id").first()
    approver = entry.batch.approved_by.get_username() if entry.batch.approved_by else ""
    Tombstone.objects.create(
        footage=item, batch=entry.batch, sha256=item.sha256, size=item.size, original_name=item.original.name,
        original_filename=item.original_filename, custody_entries=CustodyEvent.objects.filter(footage=item).count(),
        custody_head_hash=head.hash if head else "", approved_by_username=approver,
    )
    now = timezone.now()
    FootageItem.objects.filter(pk=item.pk).update(deleted_at=now, proxy="", poster="", thumbnail_strip="")
    item.deleted_at = now
    record_custody(item, CustodyAction.DELETED, actor=None, detail={
        "batch": entry.batch_id, "approved_by": approver, "sha256": item.sha256, "size": item.size,
        "stored_as": item.original.name, "retention_ended": entry.due_at.isoformat(),
        **({"derived_left_behind": leftovers} if leftovers else {}),
    })
    record_event(actor=None, action="footage.deleted", target=item, reason="retention ended",
                 detail={"batch": entry.batch_id, "approved_by": approver, "sha256": item.sha256})
