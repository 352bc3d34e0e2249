"""Deleting expired originals: only after a records officer approves the batch, bytes gone from
local storage and S3, a tombstone and a custody entry left, storage errors leave the item as it
was, and a batch a dead worker left is finished by running it again."""

from __future__ import annotations

from unittest import mock

import pytest

from footage.custody import verify_custody_chain
from footage.deletion import approve_batch, cancel_batch, propose_batch, resume_approved_batches, run_batch
from footage.lifecycle_errors import LifecycleError, LifecycleRefused
from footage.models import CustodyAction, DeletionBatchState, DeletionItemState, FootageItem, Tombstone
from tests.footage.lifecycle_helpers import expired_footage
from tests.s3 import BUCKET, s3_client, s3_endpoint  # noqa: F401 (fixture)
from tests.footage.test_s3_storage import footage_on_s3  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_an_expired_item_is_deleted_only_after_a_records_officer_approves(people, django_capture_on_commit_callbacks):
    item = expired_footage(people)
    name, proxy = item.original.name, item.proxy.name
    batch = propose_batch()
    assert list(batch.items.values_list("footage_id", flat=True)) == [item.pk]
    run_batch(batch.pk)
    assert item.original.storage.exists(name), "a proposed batch deletes nothing"

    with pytest.raises(LifecycleRefused):
        approve_batch(batch, actor=people.supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        approve_batch(batch, actor=people.release_officer)

    item.refresh_from_db()
    assert item.deleted_at is not None
    assert not FootageItem._meta.get_field("original").storage.exists(name)
    assert not FootageItem._meta.get_field("proxy").storage.exists(proxy)
    tombstone = Tombstone.objects.get(footage=item)
    assert (tombstone.sha256, tombstone.size, tombstone.approved_by_username) == (item.sha256, item.size, "rhea")
    assert tombstone.custody_entries >= 2 and len(tombstone.custody_head_hash) == 64
    deleted = item.custody_events.get(action=CustodyAction.DELETED)
    assert deleted.detail["approved_by"] == "rhea" and deleted.original_sha256 == item.sha256
    assert verify_custody_chain().ok
    batch.refresh_from_db()
    assert batch.state == DeletionBatchState.DONE


def test_a_batch_is_approved_once_and_a_cancelled_one_never(people):
    expired_footage(people, process=False)
    batch = propose_batch()
    cancel_batch(batch, actor=people.release_officer)
    with pytest.raises(LifecycleError):
        approve_batch(batch, actor=people.release_officer)


def test_an_expired_item_is_deleted_from_s3_too(footage_on_s3, people, django_capture_on_commit_callbacks):
    item = expired_footage(people)
    key = f"evidence/{item.original.name}"
    assert key in {o["Key"] for o in s3_client(footage_on_s3).list_objects_v2(Bucket=BUCKET)["Contents"]}
    batch = propose_batch()
    with django_capture_on_commit_callbacks(execute=True):
        approve_batch(batch, actor=people.release_officer)

    keys = {o["Key"] for o in s3_client(footage_on_s3).list_objects_v2(Bucket=BUCKET).get("Contents", [])}
    assert key not in keys
    assert Tombstone.objects.filter(footage=item, sha256=item.sha256).exists()
    assert item.custody_events.filter(action=CustodyAction.DELETED).exists()


def test_a_storage_error_leaves_the_item_as_it_was_and_says_so(people):
    item = expired_footage(people, process=False)
    batch = propose_batch()
    approve_batch(batch, actor=people.release_officer)
    storage = item.original.storage
    with mock.patch.object(type(storage), "delete", side_effect=OSError("disk is read-only")):
        run_batch(batch.pk)

    item.refresh_from_db()
    entry = batch.items.get()
    assert entry.state == DeletionItemState.FAILED and "disk is read-only" in entry.last_error
    assert item.deleted_at is None and storage.exists(item.original.name)
    assert not Tombstone.objects.filter(footage=item).exists()
    assert not item.custody_events.filter(action=CustodyAction.DELETED).exists()


def test_a_batch_left_by_a_killed_worker_is_finished_by_the_sweeper(people):
    first = expired_footage(people, process=False)
    second = expired_footage(people, process=False)
    batch = propose_batch()
    approve_batch(batch, actor=people.release_officer)  # its task never ran: the worker died

    # The worker died after deleting the first item's bytes, before recording it.
    first.original.storage.delete(first.original.name)
    assert resume_approved_batches() == 1

    for item in (first, second):
        item.refresh_from_db()
        assert item.deleted_at is not None and Tombstone.objects.filter(footage=item).exists()
    batch.refresh_from_db()
    assert batch.state == DeletionBatchState.DONE
    assert run_batch(batch.pk)[DeletionItemState.DELETED] == 0, "running it again changes nothing"
