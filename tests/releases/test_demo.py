import pytest

from releases.models import Release, ReleaseState
from releases.selectors import published_releases


@pytest.mark.django_db
def test_the_demo_publishes_releases_through_the_two_person_rule_and_is_idempotent(role_groups):
    import incidents.demo
    import releases.demo
    from portal.demo import demo_password, ensure_demo_users

    users = ensure_demo_users(demo_password()[0])
    incidents.demo.load(users=users)
    releases.demo.load(users=users)
    made = list(Release.objects.all())
    assert made and all(r.state == ReleaseState.PUBLISHED for r in made)
    assert all(r.approved_by.username == "release2" and r.requested_by.username == "supervisor" for r in made)
    assert published_releases().count() == len(made)
    releases.demo.load(users=users)
    assert Release.objects.count() == len(made)
