"""Who may sign off a release, and why not, shown before anyone clicks: one rule for the page, the
API and the workflow."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from releases import review
from releases.models import ReleaseState
from releases.signoff import signing_status
from releases.workflow import apply_release_transition, available_actions
from tests.personas import sign_in_verified
from tests.factories.releases import render_pending
from tests.releases.data_per_module import case, footage, in_review, people  # noqa: F401 (made once for the module)

pytestmark = pytest.mark.django_db


def _detail(client, user, release) -> str:
    sign_in_verified(client, user)
    response = client.get(reverse("releases:detail", args=[release.pk]))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.fixture
def rosa(make_user):
    from portal.roles import Role

    return make_user(Role.RELEASE_OFFICER, "rosa", first_name="Rosa", last_name="Delgado")


@pytest.fixture
def shaped_by_two(in_review, people, rosa):
    """Rhea muted a range and Rafa bleeped another: both shaped the redactions, Rosa did not."""
    review.add_change(in_review, {"kind": "mute", "start_seconds": 0.1, "end_seconds": 0.3, "reason": "witness"}, actor=people.officer)
    review.add_change(in_review, {"kind": "bleep", "start_seconds": 0.5, "end_seconds": 0.8, "reason": "witness"},
                      actor=people.second_officer)
    apply_release_transition(in_review, "rerender", actor=people.officer)
    return render_pending(in_review)


def test_before_anyone_signs_the_page_names_every_officer_and_offers_the_first_sign_off(client, in_review, people, rosa):
    page = _detail(client, people.officer, in_review)
    assert "No sign-offs on this render yet." in page
    assert "Any release officer may sign first: rafa, rhea, Rosa Delgado (rosa)." in page
    assert "Sign off (1 of 2)" in page
    assert "You cannot sign" not in page


def test_after_a_maker_signs_only_an_independent_officer_is_offered_the_second_sign_off(client, shaped_by_two, people, rosa):
    apply_release_transition(shaped_by_two, "approve", actor=people.officer)

    page = _detail(client, people.second_officer, shaped_by_two)
    assert "Sign off" not in page and 'value="approve"' not in page
    assert "You cannot sign:" in page
    assert ("You made a redaction change, and rhea, who signed first, also shaped these redactions: "
            "the second sign-off must come from a release officer who did not make or confirm them.") in page
    assert ("One more sign-off, from any release officer who did not make or confirm the redactions: Rosa Delgado (rosa).") in page
    assert "rhea" in page and "made or confirmed redactions" in page  # the sign-off so far

    page = _detail(client, people.officer, shaped_by_two)
    assert "You have already signed off this render" in page and 'value="approve"' not in page

    page = _detail(client, rosa, shaped_by_two)
    assert "Sign off and approve for release (2 of 2)" in page and "You cannot sign" not in page

    page = _detail(client, people.auditor, shaped_by_two)
    assert "Who may still sign" in page and "Sign off" not in page and "You cannot sign" not in page


def test_the_api_gives_the_same_status_as_the_page(api_client, shaped_by_two, people, rosa):
    apply_release_transition(shaped_by_two, "approve", actor=people.officer)
    signing = api_client(people.second_officer).get(f"/api/releases/{shaped_by_two.pk}/").json()["signing"]
    assert signing["may_sign"] is False and "rhea, who signed first" in signing["reason"]
    assert signing["eligible"] == ["rosa"] and signing["complete"] is False and signing["required"] == 2
    assert [(s["user"], s["shaped_redactions"]) for s in signing["signoffs"]] == [("rhea", True)]
    signing = api_client(rosa).get(f"/api/releases/{shaped_by_two.pk}/").json()["signing"]
    assert signing["may_sign"] is True and signing["reason"] == ""


def test_the_workflow_refuses_exactly_whom_the_status_refuses(shaped_by_two, people, rosa):
    from releases.errors import ReleaseForbidden

    apply_release_transition(shaped_by_two, "approve", actor=people.officer)
    for user in (people.officer, people.second_officer, rosa, people.auditor):
        status = signing_status(shaped_by_two, user)
        assert ("approve" in available_actions(shaped_by_two, user)) == status.may_sign
    with pytest.raises(ReleaseForbidden) as err:
        apply_release_transition(shaped_by_two, "approve", actor=people.second_officer)
    assert err.value.message == signing_status(shaped_by_two, people.second_officer).refusal.message
    apply_release_transition(shaped_by_two, "approve", actor=rosa)
    assert shaped_by_two.state == ReleaseState.APPROVED and shaped_by_two.approved_by == rosa
    assert "publish" in available_actions(shaped_by_two, people.second_officer)


def test_a_new_render_starts_the_sign_offs_again(in_review, people):
    apply_release_transition(in_review, "approve", actor=people.officer)
    apply_release_transition(in_review, "rerender", actor=people.second_officer)
    render_pending(in_review)
    status = signing_status(in_review, people.officer)
    assert status.signoffs == [] and status.lapsed == 1 and status.may_sign


def test_while_the_render_is_not_ready_nobody_is_offered_a_sign_off_and_the_page_says_why(client, in_review, people):
    from releases.models import Release

    Release.objects.filter(pk=in_review.pk).update(check_findings=[{"frame": 0, "seconds": 0, "box": [1, 1, 20, 20], "score": 0.9}])
    in_review.refresh_from_db()
    page = _detail(client, people.second_officer, in_review)
    assert "Nobody can sign off yet: The second check found 1 frame(s) with a face still visible." in page
    assert 'value="approve"' not in page


def test_confirming_a_colleagues_decision_leaves_both_able_to_sign_beside_an_independent_officer(
    face_media, in_review, people, rosa
):
    """Issue 25: confirming a colleague's "do not redact" silently disqualified both officers."""
    track = in_review.redaction_log["tracks"][0]["id"]
    change = review.add_change(in_review, {"kind": "do_not_redact", "track_id": track, "reason": "official_in_public"},
                               actor=people.officer)
    review.confirm_do_not_redact(change, actor=people.second_officer)
    apply_release_transition(in_review, "rerender", actor=people.officer)
    render_pending(in_review)
    assert in_review.open_findings == []
    apply_release_transition(in_review, "approve", actor=people.second_officer)
    status = signing_status(in_review, people.officer)
    assert "You asked for a render and made a redaction change, and rafa, who signed first" in status.refusal.message
    assert [u.username for u in status.eligible] == ["rosa"]
    apply_release_transition(in_review, "approve", actor=rosa)
    apply_release_transition(in_review, "publish", actor=rosa)
    assert in_review.state == ReleaseState.PUBLISHED


def test_publishing_a_release_approved_before_two_sign_offs_needs_the_second_one(in_review, people):
    """A release approved under the one-approver rule (its approval migrated to one sign-off)."""
    from releases.errors import ReleaseRefused
    from releases.models import Release, SignOff

    SignOff.objects.create(release=in_review, signed_by=people.officer, signed_at=in_review.rendered_at,
                           release_sha256=in_review.release_sha256, rendered_at=in_review.rendered_at)
    Release.objects.filter(pk=in_review.pk).update(state=ReleaseState.APPROVED, approved_by=people.officer)
    in_review.refresh_from_db()
    with pytest.raises(ReleaseRefused) as err:
        apply_release_transition(in_review, "publish", actor=people.officer)
    assert err.value.code == "signoffs_missing"
    apply_release_transition(in_review, "approve", actor=people.second_officer)
    apply_release_transition(in_review, "publish", actor=people.officer)
    assert in_review.state == ReleaseState.PUBLISHED
