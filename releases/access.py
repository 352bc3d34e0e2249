"""Who may see and act on releases: the one place every release view, endpoint and download asks.

Seeing a release follows seeing its incident (incidents.access), for the roles whose work
involves releases: investigators, supervisors, release officers and auditors (a reporter's work ends
with the report and its evidence). Acting on it follows roles: a supervisor or the assigned
investigator may ask for a release, release officers do the rest.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.http import Http404

from incidents.access import can_request_release, visible_incidents
from portal.roles import Role, has_role

from .models import Release


RELEASE_ROLES = (Role.INVESTIGATOR, Role.SUPERVISOR, Role.RELEASE_OFFICER, Role.AUDITOR)


def visible_releases(user: User | AnonymousUser | None) -> QuerySet[Release]:
    if not has_role(user, *RELEASE_ROLES):
        return Release.objects.none()
    return Release.objects.filter(incident__in=visible_incidents(user))


def get_visible_release(user, pk) -> Release:
    """The release if `user` may see it; Http404 otherwise, so its existence is not revealed."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such release.") from None
    release = visible_releases(user).select_related("footage", "incident").filter(pk=pk).first()
    if release is None:
        raise Http404("No such release.")
    return release


def is_visible(user, release: Release) -> bool:
    return visible_releases(user).filter(pk=release.pk).exists()


def can_review(user) -> bool:
    return has_role(user, Role.RELEASE_OFFICER)


def may_request_release_of(user, footage) -> bool:
    return can_request_release(user, footage.incident)
