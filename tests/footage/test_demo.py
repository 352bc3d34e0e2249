"""Demo footage for `make run`: real clips on the demo incidents, ingested once however often the
loader runs, with processing jobs queued for the worker."""

from __future__ import annotations

import pytest

from footage import demo
from footage.models import FootageItem, JobState, ProcessingJob
from portal.demo import ensure_demo_users
from tests.demo_clips import _demo_clips_made_once  # noqa: F401 (autouse: the demo clips made once per run)

pytestmark = pytest.mark.django_db


def test_demo_footage_is_ingested_once_with_jobs_queued(role_groups, django_capture_on_commit_callbacks):
    import incidents.demo

    users = ensure_demo_users("demo-password-for-tests-only")
    incidents.demo.load(users=users)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        demo.load(users=users)
        demo.load(users=users)

    expected = sum(len(clips) for _, clips in demo.DEMO_FOOTAGE)
    assert FootageItem.objects.count() == expected
    assert all(item.sha256 and item.duration for item in FootageItem.objects.all())
    assert set(ProcessingJob.objects.values_list("state", flat=True)) == {JobState.QUEUED}
    assert len(callbacks) == ProcessingJob.objects.count()
