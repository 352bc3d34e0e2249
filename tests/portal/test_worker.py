import pytest
from django.db import connection

from portal.celery import app
from portal.models import WorkerHeartbeat
from portal.tasks import record_worker_heartbeat
from tests.workers import celery_worker, wait_until
from tests.personas import sign_in_verified


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_takes_the_health_task_from_redis_and_records_it(tmp_path):
    app.conf.task_always_eager = False
    try:
        with celery_worker(log_path=tmp_path / "worker.log"):
            record_worker_heartbeat.delay()

            def recorded():
                connection.close()  # see the worker's commit, not a cached snapshot
                return WorkerHeartbeat.objects.first()

            beat = wait_until(recorded, timeout=90, message="the worker's heartbeat")
    finally:
        app.conf.task_always_eager = True
    assert beat.tasks_run >= 1


@pytest.mark.django_db
def test_the_staff_home_shows_whether_the_worker_answered(client, make_user):
    sign_in_verified(client, make_user("reporter"))
    assert b"No worker has answered yet" in client.get("/staff/").content
    client.post("/staff/worker-check/")
    assert b"The worker is running" in client.get("/staff/").content
