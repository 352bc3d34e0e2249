"""Who may see footage and what they may do with it: asked by every page, endpoint, download and
export.

Footage is evidence to whoever files, works or oversees its incident (incidents.access: reporters
their own cases, investigators theirs, supervisors and auditors every submitted one). A release
officer sees only footage asked for release, which is what their work needs. Administrators, who
manage accounts, see none. Downloading the original (the bytes a court would see) is for those who
investigate or oversee: investigators, supervisors and auditors. Everyone who sees an item may
watch its proxy.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.apps import apps
from django.db.models import Q, QuerySet
from django.http import Http404

from incidents.access import can_add_evidence, casework_incidents
from portal.roles import Role, has_role, roles_of

from .models import FootageItem

FOOTAGE_ROLES = (Role.REPORTER, Role.INVESTIGATOR, Role.SUPERVISOR, Role.RELEASE_OFFICER, Role.AUDITOR)
ORIGINAL_ROLES = (Role.INVESTIGATOR, Role.SUPERVISOR, Role.AUDITOR)


def visible_footage(user: User | AnonymousUser | None) -> QuerySet[FootageItem]:
    if not has_role(user, *FOOTAGE_ROLES):
        return FootageItem.objects.none()
    condition = Q(incident__in=casework_incidents(user).values("pk"))
    if Role.RELEASE_OFFICER in roles_of(user):
        condition |= Q(pk__in=apps.get_model("releases", "Release").objects.values("footage"))
    return FootageItem.objects.filter(condition)


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
