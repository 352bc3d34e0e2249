"""Who may see and do what on incidents: the one place every view, API endpoint and export asks.

Seeing is per role and per object: reporters see what they filed, investigators what is assigned
to them (and what they filed themselves), supervisors, release officers and auditors see every
case, administrators none. What a user may *do* is narrower than what they may see.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet
from django.http import Http404

from portal.roles import Role, has_role, roles_of

from .models import Incident, IncidentState

SEE_ALL_ROLES = (Role.SUPERVISOR, Role.RELEASE_OFFICER, Role.AUDITOR)


def visible_incidents(user: User | AnonymousUser | None) -> QuerySet[Incident]:
    roles = roles_of(user)
    if not roles:
        return Incident.objects.none()
    if roles & set(SEE_ALL_ROLES):
        return Incident.objects.all()
    condition = Q(pk__in=[])
    if Role.REPORTER in roles or Role.INVESTIGATOR in roles:
        condition |= Q(reporter=user)
    if Role.INVESTIGATOR in roles:
        condition |= Q(assigned_investigator=user)
    return Incident.objects.filter(condition)


def get_visible_incident(user: User | AnonymousUser | None, pk) -> Incident:
    """The incident if `user` may see it; Http404 otherwise, so its existence is not revealed."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such incident.") from None
    incident = visible_incidents(user).filter(pk=pk).first()
    if incident is None:
        raise Http404("No such incident.")
    return incident


def is_visible(user, incident: Incident) -> bool:
    return visible_incidents(user).filter(pk=incident.pk).exists()


def is_owner(user, incident: Incident) -> bool:
    return bool(user and user.is_authenticated and incident.reporter_id == user.pk)


def is_assignee(user, incident: Incident) -> bool:
    return bool(
        user and user.is_authenticated and incident.assigned_investigator_id == user.pk and has_role(user, Role.INVESTIGATOR)
    )


def is_supervisor(user) -> bool:
    return has_role(user, Role.SUPERVISOR)


def can_view_private(user, incident: Incident) -> bool:
    """People involved, narrative, notes: everyone who may see the case, since admins see none."""
    return is_visible(user, incident)


def can_file(user) -> bool:
    return has_role(user, Role.REPORTER, Role.INVESTIGATOR, Role.SUPERVISOR)


def can_edit(user, incident: Incident) -> bool:
    if incident.state == IncidentState.CLOSED:
        return False
    if is_supervisor(user) or is_assignee(user, incident):
        return True
    # Once submitted, the report is the record the investigation works from; the reporter adds
    # to it through evidence and notes, not by rewriting it.
    return is_owner(user, incident) and incident.state == IncidentState.DRAFT and has_role(user, Role.REPORTER, Role.INVESTIGATOR)


def can_add_evidence(user, incident: Incident) -> bool:
    if incident.state == IncidentState.CLOSED and not is_supervisor(user):
        return False
    if is_supervisor(user) or is_assignee(user, incident):
        return True
    return is_owner(user, incident) and has_role(user, Role.REPORTER, Role.INVESTIGATOR)


def can_request_release(user, incident: Incident) -> bool:
    return is_supervisor(user) or is_assignee(user, incident)


def can_add_note(user, incident: Incident) -> bool:
    return incident.state != IncidentState.CLOSED and (is_supervisor(user) or is_assignee(user, incident))


def can_assign(user, incident: Incident) -> bool:
    return is_supervisor(user) and incident.state not in (IncidentState.DRAFT, IncidentState.CLOSED)


def can_publish(user, incident: Incident) -> bool:
    return has_role(user, Role.RELEASE_OFFICER, Role.SUPERVISOR)


def can_write_public_summary(user, incident: Incident) -> bool:
    return has_role(user, Role.RELEASE_OFFICER, Role.SUPERVISOR) or is_assignee(user, incident)


def can_read_audit_trail(user) -> bool:
    return has_role(user, Role.AUDITOR)
