import pytest
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone

from redaction.regions_log import RegionsLog
from releases.models import Release, ReleaseState
from releases.selectors import overdue_releases, published_releases
from tests.demo_clips import _demo_clips_made_once  # noqa: F401 (autouse: the demo clips made once per run)


@pytest.mark.django_db
def test_the_demo_publishes_releases_through_the_two_person_rule_one_with_reviewed_captions_and_leaves_one_to_review(role_groups):
    # The release with speech is observed on the same load: every load renders all the demo releases.
    import incidents.demo
    import releases.demo
    from portal.demo import demo_password, ensure_demo_users
    from releases.captions import current_transcript, published_captions

    users = ensure_demo_users(demo_password()[0])
    incidents.demo.load(users=users)
    releases.demo.load(users=users)
    made = list(Release.objects.order_by("pk"))
    published = [r for r in made if r.state == ReleaseState.PUBLISHED]
    waiting = [r for r in made if r.state == ReleaseState.IN_REVIEW]
    withdrawn = [r for r in made if r.state == ReleaseState.WITHHELD]
    assert len(published) == releases.demo.DEMO_CASES
    assert len(waiting) == releases.demo.IN_REVIEW_CASES
    assert len(withdrawn) == releases.demo.WITHDRAWN_CASES
    assert len(made) == len(published) + len(waiting) + len(withdrawn)
    assert all(r.approved_by.username == "release2" for r in published + withdrawn)
    # The withdrawn one was public: its incident's page says when it was released, and that it was withdrawn.
    (sealed,) = withdrawn
    assert sealed.published_at and sealed.withheld_ground == "court_order"
    assert sealed.footage.original_filename == releases.demo.WITHDRAWN_FILENAME
    page = Client().get(reverse("public:incident-detail", args=[sealed.incident.reference])).content.decode()
    released_on = formats.date_format(timezone.localtime(sealed.published_at), "DATE_FORMAT")
    assert f"A video was released on {released_on} and has since been withdrawn." in page
    assert all(sorted(r.signoffs.values_list("signed_by__username", flat=True)) == ["release", "release2"] for r in published)
    assert all(r.requested_by.username == "supervisor" for r in made)
    assert published_releases().count() == len(published)
    # The demo's footage has people in it, so a newcomer sees faces hidden on the review page and
    # in what was published.
    assert all(RegionsLog.from_dict(r.redaction_log).face_hidden_frames() for r in made)
    # The one in review is rendered and signed off by nobody; its incident is months old, so it
    # shows on the overdue lists.
    (review,) = waiting
    assert review.release_sha256 and review.approved_by is None and review.published_at is None
    assert list(overdue_releases()) == [review]

    spoken = Release.objects.get(footage__original_filename=releases.demo.SPEECH_FILENAME)
    assert spoken.state == ReleaseState.PUBLISHED
    transcript = current_transcript(spoken)
    assert transcript.status == "speech" and transcript.reviewed_by.username == "release"
    assert published_captions(spoken)["vtt_sha256"] == spoken.manifest["captions"]["webvtt_sha256"]

    releases.demo.load(users=users)
    assert [(r.pk, r.state) for r in Release.objects.order_by("pk")] == [(r.pk, r.state) for r in made]


@pytest.mark.django_db
def test_the_demo_accounts_carry_the_release_in_review_through_even_when_two_officers_shaped_it(role_groups):
    """Issue 25: a third officer had to be created in the raw admin to finish a release."""
    import incidents.demo
    import releases.demo
    from portal.demo import demo_password, ensure_demo_users
    from releases import review
    from releases.signoff import signing_status
    from releases.workflow import apply_release_transition
    from tests.factories.releases import render_pending

    from django.contrib.auth.models import User

    users = ensure_demo_users(demo_password()[0])
    incidents.demo.load(users=users)
    releases.demo.load(users=users)
    (release,) = Release.objects.filter(state=ReleaseState.IN_REVIEW)
    release1, release2, release3 = (User.objects.get(username=n) for n in ("release", "release2", "release3"))
    change = review.add_change(release, {"kind": "mute", "start_seconds": 0.5, "end_seconds": 1.0, "reason": "witness"},
                               actor=release1)
    review.withdraw_change(change, actor=release2)
    review.add_change(release, {"kind": "mute", "start_seconds": 0.5, "end_seconds": 1.5, "reason": "witness"}, actor=release1)
    apply_release_transition(release, "rerender", actor=release1)
    render_pending(release)
    for i, finding in enumerate(release.check_findings):
        review.clear_finding(release, i, "A poster.", actor=release1)
    apply_release_transition(release, "approve", actor=release1)
    assert [u.username for u in signing_status(release, release2).eligible] == ["release3"]
    apply_release_transition(release, "approve", actor=release3)
    apply_release_transition(release, "publish", actor=release1)
    assert Release.objects.get(pk=release.pk).state == ReleaseState.PUBLISHED
