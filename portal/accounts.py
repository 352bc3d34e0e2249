"""Creating staff accounts and giving them roles: the one writer for user/role changes.

Every change here checks that the actor is an administrator acting on someone else, locks the
account row, changes it and writes the audit event in one transaction; a refused attempt changes
nothing and is audited too. Taking a role away is immediate; giving one is a request that a second
administrator confirms, because every role but administrator sees evidence and an administrator
can confirm others' requests, so no single administrator can widen anyone's access alone.

`acting_user=None` is the operator at the server's console (`manage.py create_role_user`, demo
data, tests): whoever runs commands there already holds the database, so there is nobody to ask.
"""

from __future__ import annotations

import secrets
from typing import Iterable

from django.contrib.auth.models import AnonymousUser, Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from .audit import record_event
from .models import RoleGrantRequest, RoleGrantState
from .refusals import Refused, audit_refusal
from .roles import Role, forget_cached_roles, has_role

USERNAME_MAX = 150
REASON_MAX = 2000


class AccountRefused(Refused, PermissionDenied):
    """An account change was refused; `status` says why in HTTP terms (403 not allowed, 409 not
    in a state that allows it, 400 bad input)."""

    def __init__(self, message: str, *, status: int = 403, field: str | None = None):
        super().__init__(message, status=status, field=field)


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def _roles(values: Iterable[Role | str]) -> list[Role]:
    try:
        return sorted({Role(v) for v in values}, key=list(Role).index)
    except ValueError:
        raise AccountRefused("Unknown role.", status=400, field="roles") from None


def require_admin(actor: User | AnonymousUser | None) -> None:
    if not has_role(actor, Role.ADMIN):
        raise AccountRefused("Only an administrator manages accounts and roles.")


def require_other(actor: User, user: User, what: str) -> None:
    if actor.pk == user.pk:
        raise AccountRefused(f"Nobody {what} their own account; ask another administrator.")


def lock_user(user: User) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


def _write_roles(locked: User, roles: Iterable[Role]) -> None:
    """The only place group membership and staff status are written."""
    roles = set(roles)
    locked.groups.set(Group.objects.filter(name__in=[r.value for r in roles]))
    # Staff status only opens Django's admin site, where administrators read the audit trail.
    locked.is_staff = Role.ADMIN in roles
    locked.save(update_fields=["is_staff"])
    forget_cached_roles(locked)


def _held(user: User) -> list[Role]:
    valid = {r.value for r in Role}
    return _roles(name for name in user.groups.values_list("name", flat=True) if name in valid)


# ---- accounts ----------------------------------------------------------------------------------

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
    """An account with its role at once: for the console only (see the module's docstring)."""
    if acting_user is not None:
        raise AccountRefused("Administrators create accounts with create_account; roles need a second administrator.")
    role = Role(role)
    user = _new_user(username=username, password=password, email=email, first_name=first_name, last_name=last_name,
                     check_password_strength=check_password_strength)
    _write_roles(user, [role])
    record_event(actor=None, action="user.created", target=user, detail={"role": role.value, "via": "console"})
    return user


def _new_user(*, username, password, email, first_name, last_name, check_password_strength=True) -> User:
    username = (username or "").strip()
    if not username or len(username) > USERNAME_MAX:
        raise ValueError("Give a username of at most 150 characters.")
    try:
        User._meta.get_field("username").run_validators(username)
    except ValidationError as error:
        raise ValueError(" ".join(error.messages)) from None
    if User.objects.filter(username__iexact=username).exists():
        raise ValueError(f"A user named {username!r} already exists.")
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    if check_password_strength:
        validate_password(password, user)
    user.set_password(password)
    user.save()
    return user


def create_account(
    *,
    actor: User,
    username: str,
    password: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    roles: Iterable[Role | str] = (),
    request: HttpRequest | None = None,
) -> tuple[User, list[RoleGrantRequest]]:
    """A new account with no role; each role asked for waits for a second administrator.

    Raises AccountRefused (not an administrator), ValueError (taken username) or ValidationError
    (the password fails the validators)."""
    try:
        with transaction.atomic():
            require_admin(actor)
            wanted = _roles(roles)
            user = _new_user(username=username, password=password, email=email, first_name=first_name, last_name=last_name)
            record_event(actor=actor, action="user.created", target=user, request=request,
                         detail={"roles_requested": [r.value for r in wanted]})
            grants = [_request_grant(actor, user, role, "", request) for role in wanted]
            return user, grants
    except AccountRefused as refusal:
        audit_refusal(refusal, actor=actor, action="user.created", target=None, request=request,
                      username=str(username)[:USERNAME_MAX])
        raise


def set_active(*, actor: User, user: User, active: bool, reason: str = "", request: HttpRequest | None = None) -> User:
    """Deactivate (the account can no longer sign in or use its tokens) or reactivate it."""
    action = "user.reactivated" if active else "user.deactivated"
    try:
        with transaction.atomic():
            require_admin(actor)
            require_other(actor, user, "deactivates or reactivates")
            locked = lock_user(user)
            if locked.is_active == active:
                raise AccountRefused(f"The account is already {'active' if active else 'deactivated'}.", status=409)
            locked.is_active = active
            locked.save(update_fields=["is_active"])
            record_event(actor=actor, action=action, target=locked, reason=str(reason)[:REASON_MAX], request=request)
            return locked
    except AccountRefused as refusal:
        audit_refusal(refusal, actor=actor, action=action, target=user, request=request)
        raise


# ---- roles -------------------------------------------------------------------------------------

def set_roles(
    *, user: User, roles: Iterable[Role | str], acting_user: User | None, reason: str = "", request: HttpRequest | None = None
) -> list[RoleGrantRequest]:
    """Make `user` hold `roles`: roles taken away go at once, roles added wait for a second
    administrator (the pending requests are returned). From the console, all apply at once."""
    roles = list(roles)
    try:
        with transaction.atomic():
            wanted = _roles(roles)
            if acting_user is not None:
                require_admin(acting_user)
                require_other(acting_user, user, "changes the roles of")
            locked = lock_user(user)
            before = _held(locked)
            kept = [r for r in before if r in wanted]
            if acting_user is None:
                kept = wanted
            if kept != before:
                _write_roles(locked, kept)
                forget_cached_roles(user)  # the caller's copy of the user must not answer with the old roles
                record_event(actor=acting_user, action="user.roles_changed", target=locked, reason=str(reason)[:REASON_MAX],
                             request=request, detail={"before": [r.value for r in before], "after": [r.value for r in kept]})
            added = [r for r in wanted if r not in kept]
            return [_request_grant(acting_user, locked, role, reason, request) for role in added]
    except AccountRefused as refusal:
        audit_refusal(refusal, actor=acting_user, action="user.roles_changed", target=user, request=request,
                      roles=[str(r)[:32] for r in roles])
        raise


def request_role_grant(*, actor: User, user: User, role: Role | str, reason: str = "",
                       request: HttpRequest | None = None) -> RoleGrantRequest:
    try:
        with transaction.atomic():
            require_admin(actor)
            require_other(actor, user, "asks for a role on")
            (role,) = _roles([role])
            return _request_grant(actor, lock_user(user), role, reason, request)
    except AccountRefused as refusal:
        audit_refusal(refusal, actor=actor, action="user.role_requested", target=user, request=request, role=str(role)[:32])
        raise


def _request_grant(actor: User, user: User, role: Role, reason: str, request) -> RoleGrantRequest:
    if role in _held(user):
        raise AccountRefused(f"{user.username} already holds the role {role.label}.", status=409, field="roles")
    try:
        with transaction.atomic():
            grant = RoleGrantRequest.objects.create(user=user, role=role.value, requested_by=actor,
                                                    reason=str(reason)[:REASON_MAX])
    except IntegrityError:
        raise AccountRefused(f"A request to give {user.username} the role {role.label} already waits.", status=409,
                             field="roles") from None
    record_event(actor=actor, action="user.role_requested", target=user, to_state=RoleGrantState.PENDING,
                 reason=grant.reason, request=request, detail={"role": role.value, "grant": grant.pk})
    return grant


def confirm_role_grant(*, actor: User, grant: RoleGrantRequest, request: HttpRequest | None = None) -> RoleGrantRequest:
    """The second administrator's yes: only now does the user hold the role."""
    return _decide(actor, grant, confirm=True, reason="", request=request)


def refuse_role_grant(*, actor: User, grant: RoleGrantRequest, reason: str = "",
                      request: HttpRequest | None = None) -> RoleGrantRequest:
    """Any administrator may refuse (or, the one who asked, withdraw) a waiting request."""
    return _decide(actor, grant, confirm=False, reason=reason, request=request)


def _decide(actor: User, grant: RoleGrantRequest, *, confirm: bool, reason: str, request) -> RoleGrantRequest:
    action = "user.role_confirmed" if confirm else "user.role_refused"
    try:
        with transaction.atomic():
            require_admin(actor)
            locked = RoleGrantRequest.objects.select_for_update().get(pk=grant.pk)
            if confirm:
                if actor.pk == locked.requested_by_id:
                    raise AccountRefused("A second administrator must confirm this: not the one who asked.")
                require_other(actor, locked.user, "confirms a role on")
            if locked.state != RoleGrantState.PENDING:
                raise AccountRefused("This request was already decided.", status=409)
            user = lock_user(locked.user)
            if confirm:
                _write_roles(user, [*_held(user), Role(locked.role)])
            locked.state = RoleGrantState.CONFIRMED if confirm else RoleGrantState.REFUSED
            locked.decided_by, locked.decided_at = actor, timezone.now()
            locked.decision_reason = str(reason)[:REASON_MAX]
            locked.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
            record_event(actor=actor, action=action, target=user, from_state=RoleGrantState.PENDING, to_state=locked.state,
                         reason=locked.decision_reason, request=request,
                         detail={"role": locked.role, "grant": locked.pk, "requested_by": locked.requested_by.username})
            return locked
    except AccountRefused as refusal:
        audit_refusal(refusal, actor=actor, action=action, target=grant.user, request=request, grant=grant.pk, role=grant.role)
        raise


def pending_grants() -> QuerySet[RoleGrantRequest]:
    return RoleGrantRequest.objects.filter(state=RoleGrantState.PENDING).select_related("user", "requested_by")
