"""Retention schedules and legal holds: the longest period wins, open cases, published releases
and held items are never due, and every change is audited."""

from __future__ import annotations

import pytest

from footage.deletion import approve_batch, propose_batch, run_batch
from footage.lifecycle_errors import LifecycleError, LifecycleRefused
from footage.models import CustodyAction, DeletionItemState, FootageItem
from footage.retention import (
    THIRTY_MONTHS, due_items, due_soon, is_due, lift_hold, place_hold, retention_days, set_retention_period,
)
from portal.audit import events_for
from tests.factories.footage import make_footage
from tests.footage.lifecycle_helpers import age, closed_case_with_footage, expired_footage
from tests.people_per_module import people  # noqa: F401 (made once for the module)

pytestmark = pytest.mark.django_db


def test_the_longest_applicable_period_wins(people):
    case, (item,) = closed_case_with_footage(people, categories=["use_of_force", "other"], process=False)
    assert retention_days(item) == THIRTY_MONTHS

    set_retention_period(actor=people.admin, scope="kind", key="body_worn", days=2000)
    assert retention_days(item) == 2000


def test_setting_a_period_is_for_administrators_and_audited(people):
    with pytest.raises(LifecycleRefused):
        set_retention_period(actor=people.supervisor, scope="category", key="other", days=10)
    rule = set_retention_period(actor=people.admin, scope="category", key="other", days=200)
    event = events_for(rule).last()
    assert event.action == "retention.period_set" and event.from_state == "180" and event.to_state == "200"


def test_it_refuses_a_period_that_is_not_a_number_of_days(people):
    for bad in ("ten", -1, 0, 10**9):
        with pytest.raises(LifecycleError):
            set_retention_period(actor=people.admin, scope="category", key="other", days=bad)
    with pytest.raises(LifecycleError):
        set_retention_period(actor=people.admin, scope="category", key="no_such_thing", days=10)


def test_footage_of_an_open_case_is_never_due(people, case):
    item = make_footage(incident=case, uploaded_by=people.investigator, process=False)
    FootageItem.objects.filter(pk=item.pk).update(uploaded_at=item.uploaded_at.replace(year=2000))
    assert not is_due(item)


def test_expired_footage_of_a_closed_case_is_due_and_shows_in_the_supervisors_list(people):
    item = expired_footage(people, process=False)
    assert is_due(item)
    assert item in [found for found, _ in due_soon(people.supervisor)]
    with pytest.raises(LifecycleRefused):
        due_soon(people.investigator)


def test_footage_falling_due_within_30_days_is_listed_but_not_yet_due(people):
    case, (item,) = closed_case_with_footage(people, categories=["other"], process=False)
    age(case, days=170)
    assert not is_due(item)
    assert item.pk in [found.pk for found, _ in due_soon(people.supervisor)]


def test_a_hold_needs_a_supervisor_a_reason_and_a_matter_reference(people):
    item = expired_footage(people, process=False)
    with pytest.raises(LifecycleRefused):
        place_hold(actor=people.investigator, footage=item, reason="trial", matter_reference="1984CR0001")
    with pytest.raises(LifecycleError):
        place_hold(actor=people.supervisor, footage=item, reason="", matter_reference="1984CR0001")
    with pytest.raises(LifecycleError):
        place_hold(actor=people.supervisor, footage=item, reason="trial", matter_reference="  ")


def test_a_held_item_survives_a_retention_run(people):
    item = expired_footage(people, process=False)
    hold = place_hold(actor=people.supervisor, incident=item.incident, reason="Civil suit pending", matter_reference="2026-CV-118")
    assert not is_due(item) and item.pk not in [i.pk for i, _ in due_items()]
    assert propose_batch() is None
    assert item.custody_events.filter(action=CustodyAction.HOLD_PLACED).exists()
    assert events_for(item.incident).filter(action="hold.placed").exists()

    lift_hold(hold, actor=people.supervisor, reason="Suit settled")
    assert is_due(item)


def test_a_hold_placed_after_listing_stops_the_deletion(people):
    item = expired_footage(people, process=False)
    batch = propose_batch(actor=people.supervisor)
    place_hold(actor=people.supervisor, footage=item, reason="Subpoena", matter_reference="SUB-7")
    approve_batch(batch, actor=people.release_officer)
    run_batch(batch.pk)

    item.refresh_from_db()
    assert item.deleted_at is None
    assert item.original.storage.exists(item.original.name)
    assert batch.items.get().state == DeletionItemState.SKIPPED


def test_lifting_a_hold_needs_a_reason_and_happens_once(people):
    item = expired_footage(people, process=False)
    hold = place_hold(actor=people.supervisor, footage=item, reason="trial", matter_reference="X-1")
    with pytest.raises(LifecycleRefused):
        lift_hold(hold, actor=people.release_officer, reason="done")
    with pytest.raises(LifecycleError):
        lift_hold(hold, actor=people.supervisor, reason="")
    lift_hold(hold, actor=people.supervisor, reason="done")
    with pytest.raises(LifecycleError):
        lift_hold(hold, actor=people.supervisor, reason="again")


def test_footage_with_a_release_on_its_way_is_never_due(people):
    from releases.workflow import request_release

    item = expired_footage(people)
    assert is_due(item)
    request_release(item, actor=people.supervisor)  # its render is queued on commit, which this test never reaches
    assert not is_due(item) and propose_batch() is None


def _published_release_of(item, people):
    """A published release row as the workflow leaves it; the real pipeline (redaction, two
    officers) has its own tests in tests/releases and is too slow to run here."""
    from releases.models import Release, ReleaseState

    return Release.objects.create(footage=item, incident=item.incident, state=ReleaseState.PUBLISHED, requested_by=people.supervisor,
                                  release_file="releases/copy.mp4", release_sha256="b" * 64)


def test_published_footage_keeps_its_original_unless_policy_lets_the_release_copy_outlive_it(people, settings,
                                                                                            django_capture_on_commit_callbacks):
    from releases.models import Release, ReleaseState

    item = expired_footage(people, process=False)
    release = _published_release_of(item, people)
    assert not is_due(item)

    settings.RETENTION_RELEASE_COPY_OUTLIVES_ORIGINAL = True
    assert is_due(item)
    with django_capture_on_commit_callbacks(execute=True):
        approve_batch(propose_batch(), actor=people.release_officer)
    item.refresh_from_db()
    assert item.deleted_at is not None
    assert Release.objects.get(pk=release.pk).state == ReleaseState.PUBLISHED
