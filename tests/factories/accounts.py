"""Test accounts, made through the real account service, each with the known authenticator."""

from __future__ import annotations

import os

from django.contrib.auth.models import User

from tests.personas import PASSWORD, TOTP_KEY


def ensure_role_groups() -> None:
    """The role groups the migration made. The flush after a transactional test keeps them
    (tests/conftest.py); were they gone, they come back from the same migration code (only then:
    it creates every app's permissions first, a few dozen queries)."""
    from importlib import import_module

    from django.apps import apps
    from django.contrib.auth.models import Group

    roles = import_module("portal.migrations.0003_roles")
    if Group.objects.filter(name__in=roles.ROLES).count() < len(roles.ROLES):
        roles.create_roles(apps, None)


def make_user(role, username: str | None = None, enrolled: bool = True, **extra) -> User:
    from portal.accounts import create_user_with_role

    user = create_user_with_role(
        username=username or f"{role}-{os.urandom(3).hex()}",
        role=role,
        password=PASSWORD,
        check_password_strength=False,
        **extra,
    )
    if enrolled:
        # Every test account has an authenticator with the known key (see tests/personas.py).
        from portal import mfa

        mfa.enrol_with_secret(user=user, key_hex=TOTP_KEY)
    return user


def make_cast():
    """The usual cast: Rita and Rob report, Ivan and Iris investigate, Sofia supervises, Rhea
    releases, Aaron audits, Ada administers."""
    from types import SimpleNamespace

    from portal.roles import Role

    return SimpleNamespace(
        reporter=make_user(Role.REPORTER, "rita", email="rita@city.invalid"),
        other_reporter=make_user(Role.REPORTER, "rob", email="rob@city.invalid"),
        investigator=make_user(Role.INVESTIGATOR, "ivan", email="ivan@city.invalid"),
        other_investigator=make_user(Role.INVESTIGATOR, "iris", email="iris@city.invalid"),
        supervisor=make_user(Role.SUPERVISOR, "sofia", email="sofia@city.invalid"),
        release_officer=make_user(Role.RELEASE_OFFICER, "rhea", email="rhea@city.invalid"),
        auditor=make_user(Role.AUDITOR, "aaron", email="aaron@city.invalid"),
        admin=make_user(Role.ADMIN, "ada", email="ada@city.invalid"),
    )
