"""Who may see footage and what they may do with it: asked by every page, endpoint, download and
export.

Footage is seen by whoever may see its incident (reporters their own cases, investigators theirs,
supervisors, release officers and auditors all), except administrators, who manage accounts and
have no business with evidence. Downloading the original (the bytes a court would see) is for
those who investigate or oversee: investigators, supervisors and auditors. Everyone who sees an
item may watch its proxy.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.http import Http404

from incidents.access import can_add_evidence, visible_incidents
from portal.roles import Role, has_role

from .models import FootageItem

FOOTAGE_ROLES = (Role.REPORTER, Role.INVESTIGATOR, Role.SUPERVISOR, Role.RELEASE_OFFICER, Role.AUDITOR)
ORIGINAL_ROLES = (Role.INVESTIGATOR, Role.SUPERVISOR, Role.AUDITOR)


def visible_footage(user: User | AnonymousUser | None) -> QuerySet[FootageItem]:
    if not has_role(user, *FOOTAGE_ROLES):
        return FootageItem.objects.none()
    return FootageItem.objects.filter(incident__in=visible_incidents(user).values("pk"))


def get_visible_footage(user: User | AnonymousUser | None, pk) -> FootageItem:
    """The item if `user` may see it; Http404 otherwise, so its existence is not revealed."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such footage.") from None
    item = visible_footage(user).select_related("incident", "uploaded_by").filter(pk=pk).first()
    if item is None:
        raise Http404("No such footage.")
    return item


def can_download_original(user, item: FootageItem) -> bool:
    return has_role(user, *ORIGINAL_ROLES) and visible_footage(user).filter(pk=item.pk).exists()


def can_verify(user, item: FootageItem) -> bool:
    return has_role(user, *ORIGINAL_ROLES) and visible_footage(user).filter(pk=item.pk).exists()


def can_upload_to(user, incident) -> bool:
    return has_role(user, Role.REPORTER, Role.INVESTIGATOR, Role.SUPERVISOR) and can_add_evidence(user, incident)
