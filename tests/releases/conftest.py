"""Personas and data for release tests: a case with an assigned investigator and its footage."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.module_data import copy_for_a_test, made_once


@pytest.fixture(autouse=True)
def _signing_key(settings, tmp_path_factory):
    """A signing key of its own for the test run, so publishing can sign."""
    from releases.signing import generate_key_file

    path = Path(settings.RELEASE_SIGNING_KEY)
    if not path.exists():
        try:
            generate_key_file(path)
        except FileExistsError:
            pass


@pytest.fixture
def no_worker():
    """Messages go to a broker no worker reads, so a test decides when a job runs."""
    from portal.celery import app

    app.conf.task_always_eager = False
    try:
        yield
    finally:
        app.conf.task_always_eager = True


@pytest.fixture
def people(_release_data, make_user):
    return _release_data.get("people") or make_people(make_user)


@pytest.fixture
def case(_release_data, people):
    """A published case under investigation, assigned to Ivan."""
    return _release_data.get("case") or make_case(people)


@pytest.fixture
def footage(_release_data, case, people):
    return _release_data.get("footage") or make_footage(case, people)


@pytest.fixture
def face_media():
    """For tests that need the pipeline to find a face in `footage`: skipped without the shared
    face photo (where `footage` is the synthetic pattern, which has none)."""
    from tests.factories.releases import face_clip

    return face_clip()


@pytest.fixture
def in_review(_release_data, footage, people):
    """A release Ivan asked for, rendered by the real pipeline, with Rhea's change on it."""
    return _release_data.get("in_review") or make_in_review(footage, people)


@pytest.fixture
def _release_data(_release_data_of_the_module, db):
    if _release_data_of_the_module is None:
        return {}
    return copy_for_a_test(_release_data_of_the_module)


# A module whose tests all start from the same people, case and footage (and, with "in_review",
# the same release in review) marks itself `pytest.mark.release_data_per_module("footage")`: the
# data is then made once for the module and each test starts from it (tests/module_data.py).
SHARED_UP_TO = ("people", "case", "footage", "in_review")
MARK = "release_data_per_module"
USES_THE_DATABASE = {"db", "make_user", "client", "api_client", "people", "case", "footage", "in_review"}


def pytest_configure(config):
    config.addinivalue_line(
        "markers", f"{MARK}(upto): the module's tests all start from the same release data up to `upto` "
        f"(one of {', '.join(SHARED_UP_TO)}), made once for the module (tests/releases/conftest.py)",
    )


def ensure_signing_key() -> None:
    from django.conf import settings

    from releases.signing import generate_key_file

    path = Path(settings.RELEASE_SIGNING_KEY)
    if not path.exists():
        try:
            generate_key_file(path)
        except FileExistsError:
            pass


def make_people(make_user):
    from portal.roles import Role

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


def make_case(people):
    """A published case under investigation, assigned to Ivan."""
    from tests.factories.incidents import make_published_incident

    return make_published_incident(
        reporter=people.reporter, supervisor=people.supervisor, investigator=people.investigator, state="investigation"
    )


def make_footage(case, people):
    from tests.factories.releases import face_clip, make_video_footage

    return make_video_footage(incident=case, uploaded_by=people.investigator, clip=face_clip(fallback=True))


def make_in_review(footage, people):
    from tests.factories.releases import make_release_in_review

    return make_release_in_review(footage=footage, requested_by=people.investigator)


@pytest.fixture(scope="module")
def _release_data_of_the_module(request, django_db_blocker):
    mark = request.node.get_closest_marker(MARK)
    if mark is None:
        yield None
        return
    upto = mark.args[0]
    assert upto in SHARED_UP_TO, f"{MARK} takes one of {SHARED_UP_TO}"
    request.getfixturevalue("django_db_setup")

    def build() -> dict:
        from tests.factories.accounts import ensure_role_groups, make_user

        ensure_role_groups()
        ensure_signing_key()
        data = {"people": make_people(make_user)}
        level = SHARED_UP_TO.index(upto)
        if level >= 1:
            data["case"] = make_case(data["people"])
        if level >= 2:
            data["footage"] = make_footage(data["case"], data["people"])
        if level >= 3:
            data["in_review"] = make_in_review(data["footage"], data["people"])
        return data

    yield from made_once(django_db_blocker, build)


@pytest.fixture(autouse=True)
def _every_test_starts_from_the_modules_data(request):
    """A test of a marked module that used the database without the shared data would still see it."""
    mark = request.node.get_closest_marker(MARK)
    if mark is not None and mark.args[0] not in request.fixturenames and USES_THE_DATABASE & set(request.fixturenames):
        pytest.fail(f"this module shares its data up to {mark.args[0]!r} (pytest.mark.{MARK}); this test must use it")
