"""Creating staff accounts and giving them roles: the one writer for user/role changes."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from .audit import record_event
from .roles import Role, forget_cached_roles


def generate_password() -> str:
    return secrets.token_urlsafe(12)


@transaction.atomic
def create_user_with_role(
    *,
    username: str,
    role: Role | str,
    password: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    acting_user: User | None = None,
    check_password_strength: bool = True,
) -> User:
    role = Role(role)
    if User.objects.filter(username=username).exists():
        raise ValueError(f"A user named {username!r} already exists.")
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    if check_password_strength:
        validate_password(password, user)
    user.set_password(password)
    # Administrators manage accounts in Django's admin site and nothing else: staff status lets
    # them in there, and their group grants only the user and group permissions.
    user.is_staff = role == Role.ADMIN
    user.save()
    user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    forget_cached_roles(user)
    record_event(actor=acting_user, action="user.created", target=user, detail={"role": role.value})
    return user


@transaction.atomic
def set_roles(*, user: User, roles: list[Role], acting_user: User | None) -> None:
    before = sorted(user.groups.values_list("name", flat=True))
    user.groups.set(Group.objects.filter(name__in=[Role(r).value for r in roles]))
    user.is_staff = Role.ADMIN in roles
    user.save(update_fields=["is_staff"])
    forget_cached_roles(user)
    record_event(
        actor=acting_user,
        action="user.roles_changed",
        target=user,
        detail={"before": before, "after": sorted(Role(r).value for r in roles)},
    )
