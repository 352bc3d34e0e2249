"""Every scheduled job really runs: its limits are ones Celery accepts, and a real beat sends it
through a real Redis broker to a real worker, which does its work."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

from footage.models import FootageItem, Upload, UploadState
from footage.uploads import create_upload, partial_path
from portal.celery import app
from portal.models import WorkerHeartbeat
from tests.factories.footage import make_footage
from tests.factories.incidents import make_incident_in_state
from tests.workers import celery_beat, celery_worker, wait_until


def limit_problems(celery_app: Celery) -> list[str]:
    """What Celery would refuse (a soft limit above the hard one) or a schedule that names nothing."""
    conf = celery_app.conf
    visibility = (conf.broker_transport_options or {}).get("visibility_timeout")
    problems = []

    def check(label: str, soft, hard) -> None:
        if soft and hard and soft >= hard:
            problems.append(f"{label}: soft time limit {soft} s is not below its hard limit {hard} s")
        if hard and visibility and hard > visibility:
            problems.append(f"{label}: hard time limit {hard} s outlasts the broker's visibility timeout {visibility} s")

    project = [task for name, task in celery_app.tasks.items() if not name.startswith("celery.")]
    for task in project:
        check(task.name, task.soft_time_limit or conf.task_soft_time_limit, task.time_limit or conf.task_time_limit)
    for name, entry in conf.beat_schedule.items():
        task = celery_app.tasks.get(entry["task"])
        if task is None:
            problems.append(f"beat entry {name}: no task named {entry['task']} is registered")
            continue
        options = entry.get("options", {})
        soft = options.get("soft_time_limit", task.soft_time_limit or conf.task_soft_time_limit)
        hard = options.get("time_limit", task.time_limit or conf.task_time_limit)
        check(f"beat entry {name}", soft, hard)
        if not (soft and hard):
            problems.append(f"beat entry {name}: {entry['task']} needs its own soft and hard time limits")
        every = entry["schedule"].total_seconds() if isinstance(entry["schedule"], timedelta) else entry["schedule"]
        expires = options.get("expires")
        if isinstance(every, (int, float)) and expires is not None and not 0 < expires <= every:
            problems.append(f"beat entry {name}: expires after {expires} s, not within its interval of {every} s")
    return problems


def test_every_task_and_beat_entry_has_limits_celery_accepts():
    app.loader.import_default_modules()
    assert len(settings.CELERY_BEAT_SCHEDULE) >= 5
    assert limit_problems(app) == []


def test_the_limit_check_catches_a_task_that_inherits_a_soft_limit_above_its_own_hard_limit():
    other = Celery("limits", set_as_current=False)
    other.conf.task_time_limit = 4 * 3600
    other.conf.task_soft_time_limit = 4 * 3600 - 60

    @other.task(name="sweep", time_limit=300)
    def sweep():
        return None

    other.conf.beat_schedule = {
        "sweep": {"task": "sweep", "schedule": 120.0, "options": {"expires": 600}},
        "gone": {"task": "nothing", "schedule": 60.0},
    }
    problems = limit_problems(other)
    assert "beat entry sweep: expires after 600 s, not within its interval of 120.0 s" in problems
    assert "sweep: soft time limit 14340 s is not below its hard limit 300 s" in problems
    assert "beat entry sweep: soft time limit 14340 s is not below its hard limit 300 s" in problems
    assert "beat entry gone: no task named nothing is registered" in problems


def test_the_compose_worker_hands_back_its_tasks_before_docker_kills_it():
    from tests.test_compose import COMPOSE, _load_yaml

    services = _load_yaml(COMPOSE.read_text(encoding="utf-8"))["services"]
    worker = services["worker"]
    # SIGTERM starts Celery's soft shutdown: tasks get a deadline, then go back to the broker.
    assert worker["environment"]["REMAP_SIGTERM"] == "SIGQUIT"
    grace = _seconds(worker["stop_grace_period"])
    assert settings.CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT + 15 <= grace
    assert "--beat" not in worker["command"] and "-B" not in worker["command"]
    assert _seconds(services["beat"]["stop_grace_period"]) >= 10


def _seconds(duration: str) -> float:
    match = re.fullmatch(r"(?:(\d+)m)?(?:(\d+)s)?", duration)
    assert match and duration, duration
    return int(match.group(1) or 0) * 60 + int(match.group(2) or 0)


def _fresh(queryset):
    connection.close()  # see the worker's commits, not a cached snapshot
    return queryset.first()


@pytest.mark.slow
@pytest.mark.timeout(400)
@pytest.mark.django_db(transaction=True)
def test_a_real_beat_sends_every_scheduled_task_and_a_real_worker_runs_each(people, tmp_path, settings):
    case = make_incident_in_state(
        "investigation", reporter=people.reporter, supervisor=people.supervisor, investigator=people.investigator
    )
    item = make_footage(incident=case, uploaded_by=people.reporter)
    assert item.last_verified_at is None
    settings.UPLOAD_EXPIRY = timedelta(0)
    abandoned = create_upload(owner=people.reporter, incident=case, kind="body_worn", filename="cut-off.mp4",
                              device_id="BWC-0042", length=1000)
    assert partial_path(abandoned).exists()

    worker_log, beat_log = tmp_path / "worker.log", tmp_path / "beat.log"
    app.conf.task_always_eager = False
    try:
        with celery_worker(log_path=worker_log), celery_beat(log_path=beat_log):
            def ran(task_name: str) -> bool:
                return re.search(rf"Task {re.escape(task_name)}\[[0-9a-f-]+\] succeeded", worker_log.read_text()) is not None

            for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
                wait_until(lambda: ran(entry["task"]), timeout=120, message=f"the worker to run {name} ({entry['task']})")
            wait_until(lambda: _fresh(WorkerHeartbeat.objects.all()), timeout=30, message="the worker's heartbeat row")
            wait_until(lambda: _fresh(FootageItem.objects.filter(pk=item.pk, last_verified_at__isnull=False)),
                       timeout=60, message="the fixity cycle to verify the original")
    finally:
        app.conf.task_always_eager = True

    beat_text = beat_log.read_text()
    assert "Couldn't apply scheduled task" not in beat_text, beat_text[-3000:]
    for name in settings.CELERY_BEAT_SCHEDULE:
        assert f"Sending due task {name} " in beat_text
    assert Upload.objects.get(pk=abandoned.pk).state == UploadState.EXPIRED
    assert not partial_path(abandoned).exists()
    item.refresh_from_db()
    assert item.last_verification_ok is True
