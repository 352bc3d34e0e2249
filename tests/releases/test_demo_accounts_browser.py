"""Issue 25: a release with a confirmed "do not redact" face is carried to publication in a real
browser by the accounts the demo creates, each signing in with the demo's one second factor, and
the second check asks nobody to clear that face."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from releases.models import ReleaseState
from tests.browser import assert_accessible, watch_csp_violations
from tests.personas import PASSWORD, otp_code

DEMO_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
RENDER_TIMEOUT_MS = 240_000  # a render runs inside the request on this busy 2-core machine
WAIT_MS = 60_000  # for each page or answer of a server shared with other test runs


@pytest.fixture
def demo_accounts(role_groups, monkeypatch):
    """The accounts `make run` creates, enrolled with the demo's shared second factor."""
    from portal.demo import demo_password, demo_totp_secret, enrol_demo_accounts, ensure_demo_users
    from releases.demo import more_release_officers

    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    monkeypatch.setenv("DEMO_TOTP_SECRET", DEMO_SECRET)
    users = ensure_demo_users(demo_password()[0])
    more_release_officers()
    enrol_demo_accounts(demo_totp_secret()[0])
    return users


@pytest.fixture
def release_of_a_face(demo_accounts):
    """The demo's supervisor asks for the release of a clip with one face; the real job renders it."""
    from portal.roles import Role
    from releases.workflow import request_release
    from tests.factories.incidents import make_published_incident
    from tests.factories.releases import face_clip, make_video_footage, render_pending

    clip = face_clip()
    supervisor, investigator = demo_accounts[Role.SUPERVISOR], demo_accounts[Role.INVESTIGATOR]
    case = make_published_incident(reporter=demo_accounts[Role.REPORTER], supervisor=supervisor, investigator=investigator,
                                   state="investigation")
    footage = make_video_footage(incident=case, uploaded_by=investigator, clip=clip, process=True)
    release = render_pending(request_release(footage, actor=supervisor, reason="Public interest in the incident."))
    from releases.models import RenderJob
    assert release.state == ReleaseState.IN_REVIEW, list(RenderJob.objects.filter(release=release).values("state", "last_error", "stage"))
    return release


@contextmanager
def signed_in(browser, live_server, username: str):
    """A browser of its own for `username`, signed in with password and a code from the demo's
    shared authenticator (the account must already have it: nobody enrols here)."""
    from django.contrib.auth.models import User

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    violations = watch_csp_violations(page)
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_label("Code from your authenticator app").fill(otp_code(User.objects.get(username=username)))
        page.get_by_role("button", name="Sign in").click()
        expect(page).not_to_have_url(re.compile(r"/accounts/"), timeout=WAIT_MS)
        yield page
    finally:
        context.close()
    assert violations == [], f"the Content-Security-Policy refused something the page needed: {violations}"


@pytest.mark.django_db(transaction=True)
def test_the_demo_accounts_carry_a_confirmed_do_not_redact_face_to_publication_with_no_finding_to_clear(
    live_server, browser, release_of_a_face
):
    release = release_of_a_face
    # The one face of the clip (the agent) may be followed as several overlapping regions.
    tracks = [t["id"] for t in release.redaction_log["tracks"]]
    assert tracks
    review_url = f"{live_server.url}/staff/releases/{release.pk}/review/"
    detail_url = f"{live_server.url}/staff/releases/{release.pk}/"

    with signed_in(browser, live_server, "release") as page:
        page.goto(review_url)
        for track in tracks:
            row = page.locator("#track-rows tr", has=page.get_by_role("rowheader", name=f"#{track}"))
            expect(row).to_have_count(1, timeout=WAIT_MS)
            mark = row.get_by_role("button", name="Do not redact (official in public)")
            if mark.count():  # a decision on an overlapping region may already cover this one
                mark.click()
            expect(row).to_contain_text("Do not redact (needs a second officer)", timeout=WAIT_MS)
            expect(row.get_by_role("button", name="Do not redact (official in public)")).to_have_count(0, timeout=WAIT_MS)
        expect(page.locator("#change-list")).to_contain_text("awaiting a second officer", timeout=WAIT_MS)

    with signed_in(browser, live_server, "release2") as page:
        page.goto(review_url)
        confirm = page.locator("#change-list").get_by_role("button", name="Confirm: do not redact")
        expect(confirm.first).to_be_visible(timeout=WAIT_MS)
        for left in range(confirm.count() - 1, -1, -1):
            confirm.first.click()
            expect(confirm).to_have_count(left, timeout=WAIT_MS)
        expect(page.locator("#change-list")).to_contain_text("confirmed by release2", timeout=WAIT_MS)
        expect(page.locator("#change-list")).not_to_contain_text("awaiting a second officer", timeout=WAIT_MS)
        with page.expect_navigation(url=re.compile(rf"/staff/releases/{release.pk}/$"), timeout=RENDER_TIMEOUT_MS):
            page.get_by_role("button", name="Re-render with these changes").click(timeout=RENDER_TIMEOUT_MS)

    release.refresh_from_db()
    assert release.state == ReleaseState.IN_REVIEW
    assert release.check_completed_at and release.check_completed_at >= release.rendered_at
    # The face left visible on purpose is no finding: nothing is cleared by hand.
    assert release.check_findings == []

    with signed_in(browser, live_server, "release") as page:
        page.goto(review_url)
        expect(page.locator("#finding-list")).to_contain_text("The second check found no visible face.", timeout=WAIT_MS)
        expect(page.locator("#track-rows")).to_contain_text("Do not redact", timeout=WAIT_MS)
        expect(page.locator("#captions-status")).not_to_contain_text("Loading", timeout=WAIT_MS)
        page.goto(detail_url)
        expect(page.locator("#who-may-sign")).to_contain_text("release3", timeout=WAIT_MS)
        page.get_by_role("button", name="Sign off (1 of 2)").click()
        expect(page.locator("#signoff-list")).to_contain_text("(release)", timeout=WAIT_MS)
        assert_accessible(page)

    with signed_in(browser, live_server, "release3") as page:
        page.goto(detail_url)
        expect(page.locator("#signoff-list")).to_contain_text("made or confirmed redactions", timeout=WAIT_MS)
        page.get_by_role("button", name="Sign off and approve for release (2 of 2)").click()
        expect(page.locator("#release-state")).to_have_text("Approved", timeout=WAIT_MS)
        page.get_by_role("button", name="Publish and sign").click()
        expect(page.locator("#release-state")).to_have_text("Published", timeout=WAIT_MS)

    release.refresh_from_db()
    assert release.state == ReleaseState.PUBLISHED
    assert sorted(release.signoffs.values_list("signed_by__username", flat=True)) == ["release", "release3"]
    assert not any(f.get("cleared_by_id") for f in release.check_findings or [])
