"""Who may see and do what on incidents: the one place every view, API endpoint and export asks.

Seeing is per role and per object, and each role sees what its work needs:
- a draft is its reporter's alone until it is submitted;
- reporters see what they filed, investigators that and what is assigned to them;
- supervisors and auditors see every submitted case;
- release officers see the cases a release concerns: those with footage asked for release, and
  those under investigation or later, whose public summary they publish;
- administrators see none.
Within a case, the people involved and the narrative are for those who filed, work or oversee it
(not release officers), and the investigation (notes, findings, the reasons on the timeline) for
those who work or oversee it (not the reporter). What a user may *do* is narrower still.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet
from django.http import Http404

from portal.audit_trail import can_read_audit_trail  # noqa: F401  (the trail is portal's; its readers are asked here too)
from portal.roles import Role, has_role, roles_of

from .models import Incident, IncidentState

SEE_SUBMITTED_ROLES = (Role.SUPERVISOR, Role.AUDITOR)
FILING_ROLES = (Role.REPORTER, Role.INVESTIGATOR, Role.SUPERVISOR)
# The states in which a case's public summary may be published (incidents.workflow uses these).
RELEASABLE_STATES = (IncidentState.INVESTIGATION, IncidentState.FINDINGS_PROPOSED, IncidentState.CLOSED)


def _condition(user, roles: frozenset[Role]) -> Q:
    condition = Q(pk__in=[])
    if roles & set(FILING_ROLES):
        condition |= Q(reporter=user)
    if Role.INVESTIGATOR in roles:
        condition |= Q(assigned_investigator=user) & ~Q(state=IncidentState.DRAFT)
    if roles & set(SEE_SUBMITTED_ROLES):
        condition |= ~Q(state=IncidentState.DRAFT)
    if Role.RELEASE_OFFICER in roles:
        release = apps.get_model("releases", "Release")
        condition |= (Q(pk__in=release.objects.values("incident")) | Q(state__in=RELEASABLE_STATES)) & ~Q(state=IncidentState.DRAFT)
    return condition


def visible_incidents(user: User | AnonymousUser | None) -> QuerySet[Incident]:
    roles = roles_of(user)
    if not roles:
        return Incident.objects.none()
    return Incident.objects.filter(_condition(user, roles))


def casework_incidents(user: User | AnonymousUser | None) -> QuerySet[Incident]:
    """The cases `user` sees through filing, working or overseeing them, not as a release officer:
    their footage is evidence to them, where a release officer sees only footage asked for release."""
    roles = roles_of(user) - {Role.RELEASE_OFFICER}
    if not roles:
        return Incident.objects.none()
    return Incident.objects.filter(_condition(user, frozenset(roles)))


def get_visible_incident(user: User | AnonymousUser | None, pk) -> Incident:
    """The incident if `user` may see it; Http404 otherwise, so its existence is not revealed."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such incident.") from None
    incident = visible_incidents(user).filter(pk=pk).first()
    if incident is None:
        raise Http404("No such incident.")
    setattr(incident, _SEEN_BY, _seeing(user, incident))
    return incident


# Marks a row read through the visibility filter, so the same request's later checks of it need no query.
_SEEN_BY = "_portal_seen_by"


def _seeing(user, incident: Incident) -> tuple:
    # Everything `_condition` reads of the user and the row; the releases it also reads are never deleted.
    return (user.pk, roles_of(user), incident.pk, incident.state, incident.reporter_id, incident.assigned_investigator_id)


def is_visible(user, incident: Incident) -> bool:
    if getattr(incident, _SEEN_BY, None) == _seeing(user, incident):
        return True
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
    """The people involved and the narrative: who filed, works or oversees the case."""
    if not is_visible(user, incident):
        return False
    return is_owner(user, incident) or is_assignee(user, incident) or has_role(user, *SEE_SUBMITTED_ROLES)


def may_search_private_text(user) -> bool:
    """Whether every case `user` sees shows them its narrative, so searching it reveals nothing new:
    not so for a release officer, unless they also oversee every case."""
    return Role.RELEASE_OFFICER not in roles_of(user) or has_role(user, *SEE_SUBMITTED_ROLES)


def can_read_investigation(user, incident: Incident) -> bool:
    """Notes, findings and the reasons given on the timeline: who works or oversees the case."""
    if not is_visible(user, incident):
        return False
    return is_assignee(user, incident) or has_role(user, *SEE_SUBMITTED_ROLES)


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
