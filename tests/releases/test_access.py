"""Who sees a release: the roles whose work involves releases, on cases they see; not the reporter,
whose work ends with the report and its evidence."""

from __future__ import annotations

import pytest
from django.urls import reverse

from releases.access import visible_releases
from releases.workflow import request_release
from tests.personas import sign_in_verified
from tests.releases.data_per_module import case, footage, people  # noqa: F401 (made once for the module)

pytestmark = pytest.mark.django_db


@pytest.fixture
def requested(footage, people):
    return request_release(footage, actor=people.supervisor)


def test_the_reporter_of_the_case_does_not_see_its_release(requested, people, client, api_client):
    assert not visible_releases(people.reporter).exists()
    sign_in_verified(client, people.reporter)
    assert client.get(reverse("releases:detail", args=[requested.pk])).status_code == 404
    api = api_client(people.reporter)
    assert api.get(f"/api/releases/{requested.pk}/").status_code == 404
    assert api.get("/api/releases/").json() == []


@pytest.mark.parametrize("who", ["investigator", "supervisor", "officer", "auditor"])
def test_those_whose_work_involves_the_release_see_it(requested, people, client, who):
    assert list(visible_releases(getattr(people, who))) == [requested]
    sign_in_verified(client, getattr(people, who))
    assert client.get(reverse("releases:detail", args=[requested.pk])).status_code == 200
