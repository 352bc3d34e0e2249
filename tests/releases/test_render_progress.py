"""While a render runs, its job records how far it got, and the release and review pages show it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from releases.models import RenderJob, RenderState
from releases.rendering import ProgressWriter, claim
from releases.workflow import request_release
from tests.personas import sign_in_verified
from tests.releases.data_per_module import case, footage, people  # noqa: F401 (made once for the module)

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(footage, people):
    """A render a worker has claimed and is half-way through redacting (250 frames, 10 s in)."""
    release = request_release(footage, actor=people.investigator)
    job = claim(RenderJob.objects.get(release=release).pk)
    clock = [100.0]
    report = ProgressWriter(RenderJob.objects.filter(pk=job.pk), 250, clock=lambda: clock[0])
    clock[0] = 110.0
    report("redacting", 0.5)
    return release, job, report, clock


def test_a_running_render_records_frames_done_and_time_left_about_once_a_second(running):
    release, job, report, clock = running
    job.refresh_from_db()
    assert (job.state, job.stage, job.frames_done, job.frames_total, job.progress, job.seconds_left) == (
        RenderState.RUNNING, "redacting", 125, 250, 0.4, 15
    )
    clock[0] = 110.5
    report("redacting", 0.6)  # within the second: not written
    job.refresh_from_db()
    assert job.frames_done == 125
    clock[0] = 111.2
    report("redacting", 0.6)
    job.refresh_from_db()
    assert job.frames_done == 150 and job.progress == 0.48


def test_the_release_and_review_pages_show_the_progress_and_poll_for_more(client, running, people):
    release, job, _, _ = running
    sign_in_verified(client, people.officer)
    fragment = client.get(reverse("releases:progress", args=[release.pk])).content.decode()
    assert "40% done, frame 125 of 250, about 15 s left" in fragment
    assert f'hx-get="{reverse("releases:progress", args=[release.pk])}"' in fragment and 'hx-trigger="every 2s"' in fragment
    for page in ("releases:detail", "releases:review"):
        content = client.get(reverse(page, args=[release.pk])).content.decode()
        assert 'id="render-progress"' in content and "about 15 s left" in content
        assert "htmx.min.js" in content
        assert "<script>" not in content  # no inline script: the strict CSP allows none


def test_a_finished_render_stops_the_polling_and_leaves_its_counts(client, in_review, people):
    job = RenderJob.objects.get(release=in_review)
    assert job.state == RenderState.DONE and job.frames_total > 0
    assert job.frames_done == job.frames_total and job.seconds_left == 0
    sign_in_verified(client, people.officer)
    fragment = client.get(reverse("releases:progress", args=[in_review.pk])).content.decode()
    assert "The render has finished" in fragment and "hx-get" not in fragment
    assert "hx-get" not in client.get(reverse("releases:detail", args=[in_review.pk])).content.decode()


def test_people_who_cannot_see_the_release_get_no_progress(client, running, people):
    release, _, _, _ = running
    sign_in_verified(client, people.other_investigator)
    assert client.get(reverse("releases:progress", args=[release.pk])).status_code == 404
