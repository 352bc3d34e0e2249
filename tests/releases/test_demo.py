import pytest

from releases.models import Release, ReleaseState
from releases.selectors import overdue_releases, published_releases


@pytest.mark.django_db
def test_the_demo_publishes_releases_through_the_two_person_rule_and_leaves_one_to_review(role_groups):
    import incidents.demo
    import releases.demo
    from portal.demo import demo_password, ensure_demo_users

    users = ensure_demo_users(demo_password()[0])
    incidents.demo.load(users=users)
    releases.demo.load(users=users)
    made = list(Release.objects.order_by("pk"))
    published = [r for r in made if r.state == ReleaseState.PUBLISHED]
    waiting = [r for r in made if r.state == ReleaseState.IN_REVIEW]
    assert len(published) == releases.demo.DEMO_CASES
    assert len(waiting) == releases.demo.IN_REVIEW_CASES
    assert len(made) == len(published) + len(waiting)
    assert all(r.approved_by.username == "release2" for r in published)
    assert all(r.requested_by.username == "supervisor" for r in made)
    assert published_releases().count() == len(published)
    # The one in review is rendered and signed off by nobody; its incident is months old, so it
    # shows on the overdue lists.
    (review,) = waiting
    assert review.release_sha256 and review.approved_by is None and review.published_at is None
    assert list(overdue_releases()) == [review]

    releases.demo.load(users=users)
    assert [(r.pk, r.state) for r in Release.objects.order_by("pk")] == [(r.pk, r.state) for r in made]
