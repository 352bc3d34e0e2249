"""The case page holds its evidence: its footage (poster, duration, SHA-256, processing state,
custody link), its releases with their states and deadlines, and the actions the user may take."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from incidents.models import IncidentState
from releases import workflow as release_workflow
from tests.browser import assert_accessible, sign_in
from tests.factories.footage import clip_file, make_footage
from tests.factories.incidents import make_incident_in_state
from tests.personas import sign_in_verified


@pytest.fixture
def case(people):
    return make_incident_in_state(IncidentState.INVESTIGATION, reporter=people.reporter, supervisor=people.supervisor,
                                  investigator=people.investigator)


def _page(client, user, incident) -> str:
    sign_in_verified(client, user)
    response = client.get(reverse("incidents:detail", args=[incident.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_the_case_page_lists_its_footage_with_hash_duration_state_and_custody_link(client, people, case):
    item = make_footage(incident=case, uploaded_by=people.reporter, seconds=1, size=(320, 180))

    html = _page(client, people.investigator, case)

    assert item.sha256 in html
    assert reverse("footage:poster", args=[item.pk]) in html
    assert f"{item.duration:.1f} s" in html
    assert 'data-status="ready"' in html
    assert reverse("footage:detail", args=[item.pk]) + "#custody-heading" in html


@pytest.mark.django_db
def test_it_offers_attaching_and_asking_for_a_release_only_to_those_who_may(client, people, case):
    item = make_footage(incident=case, uploaded_by=people.reporter, seconds=1, size=(320, 180))
    request_url = reverse("releases:request", args=[item.pk])
    upload_url = reverse("footage:upload") + f"?incident={case.pk}"

    investigator = _page(client, people.investigator, case)
    reporter = _page(client, people.reporter, case)
    auditor = _page(client, people.auditor, case)

    assert request_url in investigator and upload_url in investigator
    assert request_url not in reporter and upload_url in reporter
    assert request_url not in auditor and upload_url not in auditor


@pytest.mark.django_db
def test_a_release_shows_its_state_and_deadline_and_is_not_asked_for_twice(client, people, case, django_capture_on_commit_callbacks):
    item = make_footage(incident=case, uploaded_by=people.reporter, seconds=1, size=(320, 180))
    with django_capture_on_commit_callbacks(execute=False):  # the render itself is not what this test is about
        release = release_workflow.request_release(item, actor=people.investigator)

    html = _page(client, people.investigator, case)

    assert f'data-release="{release.pk}" data-state="requested"' in html
    from django.utils import timezone

    assert timezone.localtime(release.due_at).strftime("%Y-%m-%d") in html, "the deadline in the city's time"
    assert reverse("releases:detail", args=[release.pk]) in html
    assert reverse("releases:request", args=[item.pk]) not in html


@pytest.fixture
def renders_wait_in_the_queue():
    """The release's render goes to the broker, where no worker takes it: the page's redirect is what is tested."""
    from portal.celery import app

    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = True


@pytest.mark.browser
@pytest.mark.timeout(300)
@pytest.mark.django_db(transaction=True)
def test_an_investigator_attaches_footage_and_asks_for_its_release_from_the_case_page(page, live_server, people, case,
                                                                                      renders_wait_in_the_queue):
    from footage.models import FootageItem
    from releases.models import Release

    sign_in(page, live_server.url, "ivan")
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    assert_accessible(page)

    page.get_by_role("link", name="Attach footage").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("#incident").input_value() == str(case.pk)
    page.get_by_label("Files").set_input_files(str(clip_file()))
    page.get_by_role("button", name="Start uploading").click()
    page.wait_for_function("() => document.querySelector('.upload-row[data-state=done]')", timeout=120_000)
    item = FootageItem.objects.get(incident=case)

    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    row = page.locator(f"[data-footage='{item.pk}']")
    assert row.locator("[data-sha256]").inner_text() == item.sha256
    assert_accessible(page)
    row.get_by_role("link", name=re.compile("Ask for a release")).click()
    page.wait_for_load_state("domcontentloaded")
    page.get_by_role("button", name="Ask for release").click()
    page.wait_for_url(re.compile(r"/staff/releases/\d+/$"), timeout=60_000)

    release = Release.objects.get(footage=item)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    assert page.locator(f"#case-releases [data-release='{release.pk}']").is_visible()
    assert_accessible(page)
