"""The staff list of releases works out every release's sign-off status for the whole page at once,
and gives each the same answer the release's own endpoint gives."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from releases.models import RedactionChange, Release, RenderJob, SignOff, Transcript, TranscriptionJob
from releases.workflow import apply_release_transition
from tests.factories.releases import render_pending
from tests.releases.data_per_module import case, footage, in_review, people  # noqa: F401 (made once for the module)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rosa(make_user):
    from portal.roles import Role

    return make_user(Role.RELEASE_OFFICER, "rosa", first_name="Rosa", last_name="Delgado")


def _copy_of(release: Release) -> Release:
    """Another release standing where `release` stands, of its own copy of the footage, with its
    render jobs, captions, redaction changes and sign-offs: rows as the workflow leaves them, since
    a real render for each would make this module minutes long (the pipeline has its own tests)."""
    from footage.models import FootageItem

    item = FootageItem.objects.get(pk=release.footage_id)
    item.pk, item.public_id = None, uuid.uuid4()
    item.save()
    copy = Release.objects.get(pk=release.pk)
    copy.pk, copy.footage = None, item
    copy.save()
    for model in (RenderJob, TranscriptionJob, Transcript, RedactionChange, SignOff):
        for row in model.objects.filter(release=release).order_by("pk"):
            row.pk, row.release = None, copy
            row.save()
    return copy


def _listed(client) -> dict[int, dict]:
    response = client.get("/api/releases/")
    assert response.status_code == 200
    return {item["id"]: item for item in response.json()}


@pytest.mark.parametrize("role", ["second_officer", "supervisor"])
def test_the_list_costs_as_many_queries_for_30_releases_as_for_3(api_client, in_review, people, role,
                                                                 django_assert_max_num_queries):
    apply_release_transition(in_review, "approve", actor=people.officer)  # one sign-off in, one to go
    for _ in range(2):
        _copy_of(in_review)
    client = api_client(getattr(people, role))
    with CaptureQueriesContext(connection) as few:
        assert len(_listed(client)) == 3
    for _ in range(27):
        _copy_of(in_review)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(_listed(client)) == 30


def test_each_listed_release_is_exactly_what_its_own_endpoint_answers_for_every_role(api_client, in_review, people, rosa):
    """Releases in each sign-off state: none yet, one from an officer independent of the redactions,
    one from an officer who shaped them (so only an independent one may follow), complete, blocked by
    an open finding of the second check, withheld, and one whose sign-off lapsed with a new render."""
    from releases.models import ReleaseState

    states = {"nobody signed": _copy_of(in_review)}
    apply_release_transition(in_review, "approve", actor=people.second_officer)
    states["an independent officer signed"] = _copy_of(in_review)
    apply_release_transition(in_review, "rerender", actor=people.officer)  # Rhea asked for a render: she shaped it
    render_pending(in_review)
    states["signed before the new render"] = _copy_of(in_review)
    blocked = _copy_of(in_review)
    Release.objects.filter(pk=blocked.pk).update(check_findings=[{"frame": 0, "seconds": 0, "box": [1, 1, 20, 20], "score": 0.9}])
    withheld = _copy_of(in_review)
    apply_release_transition(withheld, "withhold", actor=rosa, ground="ongoing_investigation", reason="The DA asked.")
    apply_release_transition(in_review, "approve", actor=people.officer)
    states["a shaper signed"] = _copy_of(in_review)
    complete = _copy_of(in_review)
    apply_release_transition(complete, "approve", actor=rosa)
    assert Release.objects.get(pk=complete.pk).state == ReleaseState.APPROVED

    seen = set()
    for user in (people.officer, people.second_officer, rosa, people.supervisor, people.investigator, people.auditor):
        client = api_client(user)
        listed = _listed(client)
        assert len(listed) == 8
        for pk, item in listed.items():
            assert item == client.get(f"/api/releases/{pk}/").json(), (user.username, pk)
            seen.add((item["signing"]["may_sign"], item["signing"]["complete"], item["signing"]["reason"][:40]))
    assert len(seen) >= 6  # the states above are told apart, so the comparison covered each of them


def test_a_reporter_is_listed_no_releases(api_client, in_review, people):
    assert _listed(api_client(people.reporter)) == {}
