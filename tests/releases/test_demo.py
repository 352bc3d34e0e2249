import pytest
from django.core.management import call_command

from releases.models import Release, ReleaseState
from releases.selectors import published_releases


@pytest.mark.django_db
def test_the_demo_publishes_releases_through_the_two_person_rule_and_is_idempotent(role_groups, settings):
    call_command("load_demo_data")
    releases = list(Release.objects.all())
    assert releases and all(r.state == ReleaseState.PUBLISHED for r in releases)
    assert all(r.approved_by.username == "release2" and r.requested_by.username == "supervisor" for r in releases)
    assert published_releases().count() == len(releases)
    call_command("load_demo_data")
    assert Release.objects.count() == len(releases)
