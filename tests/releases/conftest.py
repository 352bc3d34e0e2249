"""Personas and data for release tests: a case with an assigned investigator and its footage."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _signing_key(settings):
    """A signing key of its own for the test run, so publishing can sign."""
    from tests.factories.releases import ensure_signing_key

    ensure_signing_key()


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
def people(make_user):
    from portal.roles import Role

    class People:
        reporter = make_user(Role.REPORTER, "rita")
        supervisor = make_user(Role.SUPERVISOR, "sofia")
        investigator = make_user(Role.INVESTIGATOR, "ivan")
        other_investigator = make_user(Role.INVESTIGATOR, "olga")
        officer = make_user(Role.RELEASE_OFFICER, "rhea")
        second_officer = make_user(Role.RELEASE_OFFICER, "rafa")
        auditor = make_user(Role.AUDITOR, "aaron")
        admin = make_user(Role.ADMIN, "ada")

    return People


@pytest.fixture
def case(people):
    """A published case under investigation, assigned to Ivan."""
    from tests.factories.incidents import make_published_incident

    return make_published_incident(
        reporter=people.reporter, supervisor=people.supervisor, investigator=people.investigator, state="investigation"
    )


@pytest.fixture
def footage(case, people):
    from tests.factories.releases import face_clip, make_video_footage

    return make_video_footage(incident=case, uploaded_by=people.investigator, clip=face_clip(fallback=True))


@pytest.fixture
def face_media():
    """For tests that need the pipeline to find a face in `footage`: skipped without the shared
    face photo (where `footage` is the synthetic pattern, which has none)."""
    from tests.factories.releases import face_clip

    return face_clip()


@pytest.fixture
def in_review(footage, people):
    """A release Ivan asked for, rendered by the real pipeline, with Rhea's change on it."""
    from tests.factories.releases import make_release_in_review

    return make_release_in_review(footage=footage, requested_by=people.investigator)


# What a module that makes the data above once for all its tests needs beside the fixtures it
# imports (tests/releases/data_per_module.py).
from tests.releases.data_per_module import _release_data, _release_data_of_the_module  # noqa: E402, F401
