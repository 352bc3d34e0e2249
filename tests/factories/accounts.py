"""Test accounts, made through the real account service, each with the known authenticator."""

from __future__ import annotations

import os

from django.contrib.auth.models import User

from tests.personas import PASSWORD, TOTP_KEY


def ensure_role_groups() -> None:
    """The role groups the migration made. Transactional tests empty every table when they end,
    so later ones get the groups back from the same migration code (only then: it creates every
    app's permissions first, a few dozen queries)."""
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
