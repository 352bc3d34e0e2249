"""The release tests' people, case, footage and release in review, made once for a module whose
tests all start from them (tests/module_data.py), instead of once per test as tests/releases/conftest.py
makes them. A module opts in by importing the fixtures it shares, always from the first:

    from tests.releases.data_per_module import case, footage, people  # noqa: F401 (made once per module)

and adding `in_review` to share the release in review too. They are the same data the conftest's
fixtures make, through the same factories; each test gets its own copy and rolls back to it.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.module_data import copy_for_a_test, made_once

SHARED = ("people", "case", "footage", "in_review")
# Fixtures that reach the database: a test of an opted-in module that uses one of them without the
# shared data would still see it.
USES_THE_DATABASE = {"db", "transactional_db", "live_server", "make_user", "client", "api_client"}


def make_people():
    from portal.roles import Role
    from tests.factories.accounts import make_user

    return SimpleNamespace(
        reporter=make_user(Role.REPORTER, "rita"),
        supervisor=make_user(Role.SUPERVISOR, "sofia"),
        investigator=make_user(Role.INVESTIGATOR, "ivan"),
        other_investigator=make_user(Role.INVESTIGATOR, "olga"),
        officer=make_user(Role.RELEASE_OFFICER, "rhea"),
        second_officer=make_user(Role.RELEASE_OFFICER, "rafa"),
        auditor=make_user(Role.AUDITOR, "aaron"),
        admin=make_user(Role.ADMIN, "ada"),
    )


def _build(shared: tuple[str, ...]) -> dict:
    from tests.factories.accounts import ensure_role_groups
    from tests.factories.incidents import make_published_incident
    from tests.factories.releases import ensure_signing_key, face_clip, make_release_in_review, make_video_footage

    ensure_role_groups()
    ensure_signing_key()
    people = make_people()
    data = {"people": people}
    if "case" in shared:
        data["case"] = make_published_incident(
            reporter=people.reporter, supervisor=people.supervisor, investigator=people.investigator, state="investigation"
        )
    if "footage" in shared:
        data["footage"] = make_video_footage(incident=data["case"], uploaded_by=people.investigator, clip=face_clip(fallback=True))
    if "in_review" in shared:
        data["in_review"] = make_release_in_review(footage=data["footage"], requested_by=people.investigator)
    return data


@pytest.fixture(scope="module")
def _release_data_of_the_module(request, django_db_setup, django_db_blocker):
    module = request.module
    shared = tuple(name for name in SHARED if getattr(module, name, None) is globals()[name])
    assert shared == SHARED[: len(shared)], f"{module.__name__} shares {shared}: share them in the order {SHARED}"
    top = shared[-1]
    for item in request.session.items:
        if getattr(item, "module", None) is module and top not in item.fixturenames and USES_THE_DATABASE & set(item.fixturenames):
            pytest.fail(f"{item.nodeid} uses the database without {top!r}, which its module makes once for all its tests")
    yield from made_once(django_db_blocker, lambda: _build(shared))


@pytest.fixture
def _release_data(_release_data_of_the_module, db):
    return copy_for_a_test(_release_data_of_the_module)


@pytest.fixture
def people(_release_data):
    return _release_data["people"]


@pytest.fixture
def case(_release_data):
    """A published case under investigation, assigned to Ivan."""
    return _release_data["case"]


@pytest.fixture
def footage(_release_data):
    return _release_data["footage"]


@pytest.fixture
def in_review(_release_data):
    """A release Ivan asked for, rendered by the real pipeline."""
    return _release_data["in_review"]
