"""Personas for the incident tests: two reporters, two investigators and one of every other role."""

from __future__ import annotations

import pytest

from portal.roles import Role


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


