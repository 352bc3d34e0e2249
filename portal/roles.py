"""The staff roles of PRODUCT.md, stored as Django groups named after each role's value.

Every authorisation decision in the project asks this module which roles a user holds, so the
mapping from group membership to role lives in exactly one place.
"""

from enum import StrEnum

from django.contrib.auth.models import AnonymousUser, User


class Role(StrEnum):
    REPORTER = "reporter"
    INVESTIGATOR = "investigator"
    SUPERVISOR = "supervisor"
    RELEASE_OFFICER = "release_officer"
    AUDITOR = "auditor"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.REPORTER: "Reporter",
    Role.INVESTIGATOR: "Investigator",
    Role.SUPERVISOR: "Supervisor",
    Role.RELEASE_OFFICER: "Release officer",
    Role.AUDITOR: "Auditor",
    Role.ADMIN: "Administrator",
}

ROLE_DESCRIPTIONS = {
    Role.REPORTER: "Files incidents, attaches footage, sees and adds to their own reports.",
    Role.INVESTIGATOR: "Works assigned cases: notes, findings, evidence, asks for release.",
    Role.SUPERVISOR: "Triages, assigns, approves findings, closes and reopens cases.",
    Role.RELEASE_OFFICER: "Redacts, reviews, approves or withholds public release.",
    Role.AUDITOR: "Reads everything, changes nothing, reads the audit trail.",
    Role.ADMIN: "Manages users and roles; no access to evidence.",
}

_CACHE_ATTR = "_portal_roles"


def roles_of(user: User | AnonymousUser | None) -> frozenset[Role]:
    """The roles a user holds, read once per request and cached on the user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        valid = {r.value for r in Role}
        cached = frozenset(Role(name) for name in user.groups.values_list("name", flat=True) if name in valid)
        setattr(user, _CACHE_ATTR, cached)
    return cached


def has_role(user: User | AnonymousUser | None, *roles: Role) -> bool:
    held = roles_of(user)
    return any(role in held for role in roles)


def forget_cached_roles(user: User) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
