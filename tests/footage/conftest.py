"""Personas and a case for the footage tests: Rita filed the incident and Ivan investigates it;
Rob (another reporter) and Iris (another investigator) have nothing to do with it."""

from __future__ import annotations

import pytest

from portal.roles import Role
from tests.factories.incidents import make_incident_in_state


@pytest.fixture
def people(make_user):
    class Cast:
        reporter = make_user(Role.REPORTER, "rita", email="rita@city.invalid")
        other_reporter = make_user(Role.REPORTER, "rob", email="rob@city.invalid")
        investigator = make_user(Role.INVESTIGATOR, "ivan", email="ivan@city.invalid")
        other_investigator = make_user(Role.INVESTIGATOR, "iris", email="iris@city.invalid")
        supervisor = make_user(Role.SUPERVISOR, "sofia", email="sofia@city.invalid")
        release_officer = make_user(Role.RELEASE_OFFICER, "rhea", email="rhea@city.invalid")
        auditor = make_user(Role.AUDITOR, "aaron", email="aaron@city.invalid")
        admin = make_user(Role.ADMIN, "ada", email="ada@city.invalid")

    return Cast


@pytest.fixture
def case(people):
    """An incident under investigation: Rita reported it, Ivan is assigned, Sofia supervises."""
    return make_incident_in_state(
        "investigation", reporter=people.reporter, supervisor=people.supervisor, investigator=people.investigator
    )
