"""The investigation workflow: the table of allowed transitions, and the one function that applies them.

`apply_transition` is the only writer of `Incident.state`. It checks the actor's right and the
transition, locks the row, changes it and writes the audit event in one transaction. A refused
attempt changes nothing and is audited too, outside the rolled-back transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from portal.audit import record_event
from portal.refusals import Refused, audit_refusal
from portal.roles import Role, has_role
from public.data_version import public_data_changed

from . import access
from .models import Finding, FindingStatus, Incident, IncidentState, Outcome
from .vocabulary import NEIGHBOURHOODS_BY_KEY, PUBLIC_LOCATION_PRECISIONS

S = IncidentState

# Who may take a transition, as relations between the actor and the case.
OWNER = "owner"  # the staff member who filed it
ASSIGNEE = "assignee"  # the investigator assigned to it
SUPERVISOR = "supervisor"


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset[str]
    target: str
    actors: frozenset[str]
    needs_reason: bool = False
    needs_outcome: bool = False
    needs_assignee: bool = False


def _t(action, label, sources, target, actors, **flags) -> Transition:
    return Transition(action, label, frozenset(sources), target, frozenset(actors), **flags)


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("submit", "Submit the report", [S.DRAFT], S.SUBMITTED, [OWNER]),
        _t("start_triage", "Start triage", [S.SUBMITTED], S.TRIAGE, [SUPERVISOR]),
        _t("open_investigation", "Open the investigation", [S.TRIAGE], S.INVESTIGATION, [SUPERVISOR], needs_assignee=True),
        # `reason` carries the findings text; the proposal is stored as a Finding.
        _t("propose_findings", "Propose findings", [S.INVESTIGATION], S.FINDINGS_PROPOSED, [ASSIGNEE],
           needs_reason=True, needs_outcome=True),
        _t("approve_findings", "Approve the findings and close", [S.FINDINGS_PROPOSED], S.CLOSED, [SUPERVISOR]),
        _t("send_back", "Send the findings back", [S.FINDINGS_PROPOSED], S.INVESTIGATION, [SUPERVISOR], needs_reason=True),
        _t("close", "Close without findings", [S.TRIAGE, S.INVESTIGATION], S.CLOSED, [SUPERVISOR],
           needs_reason=True, needs_outcome=True),
        # A reopened case goes back to triage, where the supervisor decides who works it next;
        # a case closed straight from triage may have no investigator to hand it back to.
        _t("reopen", "Reopen", [S.CLOSED], S.TRIAGE, [SUPERVISOR], needs_reason=True),
    ]
}

REASON_MAX = 20_000


class TransitionRefused(Refused, PermissionDenied):
    """A workflow step was refused. `status` says why in HTTP terms: 403 the actor may not take it,
    404 the case is not one they may see, 409 the case is not in a state that allows it, 400 the
    request lacked something it needs (`errors`, field by field). A PermissionDenied too, so a page
    that lets one through still answers 403, never 500."""

    def __init__(self, message: str, *, status: int = 403, field_errors: dict[str, list[str]] | None = None):
        super().__init__(message, status=status, errors=field_errors)


def relations(user: User, incident: Incident) -> set[str]:
    found = set()
    if access.is_owner(user, incident) and has_role(user, Role.REPORTER, Role.INVESTIGATOR, Role.SUPERVISOR):
        found.add(OWNER)
    if access.is_assignee(user, incident):
        found.add(ASSIGNEE)
    if access.is_supervisor(user):
        found.add(SUPERVISOR)
    return found


def available_transitions(user: User, incident: Incident) -> list[Transition]:
    """The steps `user` may take on `incident` right now, for showing only those on a page."""
    if not access.is_visible(user, incident):
        return []
    mine = relations(user, incident)
    return [
        t
        for t in TRANSITIONS.values()
        if incident.state in t.sources and t.actors & mine and not (t.needs_assignee and not incident.assigned_investigator_id)
    ]


def _check(incident: Incident, transition: Transition | None, action: str, *, actor: User, reason: str, outcome: str | None) -> None:
    if transition is None:
        raise TransitionRefused(f"There is no step called {action[:40]!r}.", status=400, field_errors={"action": ["Unknown action."]})
    if not access.is_visible(actor, incident):
        raise TransitionRefused("You may not act on this case.", status=404)
    if not (transition.actors & relations(actor, incident)):
        raise TransitionRefused(f"You may not {transition.label.lower()} on this case.", status=403)
    if incident.state not in transition.sources:
        raise TransitionRefused(
            f"A case that is {incident.get_state_display().lower()} cannot be moved by “{transition.label}”.", status=409
        )
    errors: dict[str, list[str]] = {}
    if transition.needs_reason and not reason.strip():
        errors["reason"] = ["Findings are required." if transition.action == "propose_findings" else "Give a reason."]
    if len(reason) > REASON_MAX:
        errors["reason"] = [f"Keep this under {REASON_MAX} characters."]
    if transition.action == "submit":
        errors.update(incident.missing_for_submission())
    if transition.needs_outcome and not outcome:
        errors["outcome"] = ["Choose an outcome."]
    if outcome and outcome not in Outcome.values:
        errors["outcome"] = ["Choose one of the listed outcomes."]
    if errors:
        raise TransitionRefused("The step needs more information.", status=400, field_errors=errors)
    if transition.needs_assignee and not incident.assigned_investigator_id:
        raise TransitionRefused("Assign an investigator first.", status=409)


def apply_transition(
    incident: Incident,
    action: str,
    *,
    actor: User,
    reason: str = "",
    outcome: str | None = None,
    request: HttpRequest | None = None,
) -> Incident:
    reason = reason or ""
    transition = TRANSITIONS.get(action)
    try:
        with transaction.atomic():
            locked = Incident.objects.select_for_update().get(pk=incident.pk)
            _check(locked, transition, action, actor=actor, reason=reason, outcome=outcome)
            from_state = locked.state
            now = timezone.now()
            detail: dict = {}
            notify: tuple[User, str, str] | None = None

            if action == "propose_findings":
                finding = Finding.objects.create(incident=locked, author=actor, text=reason, proposed_outcome=outcome)
                detail = {"finding": finding.pk, "proposed_outcome": outcome}
            elif action in ("approve_findings", "send_back"):
                finding = locked.findings.select_for_update().filter(status=FindingStatus.PROPOSED).first()
                if finding is None:
                    raise TransitionRefused("There are no proposed findings to decide on.", status=409)
                finding.status = FindingStatus.APPROVED if action == "approve_findings" else FindingStatus.SENT_BACK
                finding.decided_by, finding.decided_at, finding.decision_reason = actor, now, reason
                finding.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
                detail = {"finding": finding.pk}
                if action == "approve_findings":
                    outcome = outcome or finding.proposed_outcome
                else:
                    notify = (
                        locked.assigned_investigator,
                        f"{locked.reference}: findings sent back",
                        f"{actor.get_full_name() or actor.get_username()} sent back your findings on {locked.reference}.\n\nReason: {reason}",
                    )

            locked.state = transition.target
            locked.state_changed_at = now
            if transition.target == S.SUBMITTED and locked.submitted_at is None:
                locked.submitted_at = now
            if transition.target == S.CLOSED:
                locked.closed_at, locked.outcome = now, outcome
                detail["outcome"] = outcome
            elif from_state == S.CLOSED:
                locked.closed_at, locked.outcome = None, ""
            locked.save(update_fields=["state", "state_changed_at", "submitted_at", "closed_at", "outcome", "updated_at"])
            public_data_changed()
            record_event(
                actor=actor,
                action=f"incident.{action}",
                target=locked,
                from_state=from_state,
                to_state=locked.state,
                reason=reason[:REASON_MAX],
                request=request,
                detail=detail,
            )
            if notify and notify[0] is not None:
                _email_on_commit(*notify)
    except TransitionRefused as refusal:
        audit_refusal(refusal, actor=actor, action=f"incident.{action[:40]}", target=incident, from_state=incident.state,
                      reason=reason, request=request)
        raise
    return locked


def _email_on_commit(user: User, subject: str, body: str) -> None:
    if not user.email:
        return
    recipient = user.email
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient], fail_silently=True))


def assign_investigator(
    incident: Incident, *, actor: User, investigator: User, reason: str = "", request: HttpRequest | None = None
) -> Incident:
    try:
        with transaction.atomic():
            locked = Incident.objects.select_for_update().get(pk=incident.pk)
            if not access.is_visible(actor, locked):
                raise TransitionRefused("You may not act on this case.", status=404)
            if not access.is_supervisor(actor):
                raise TransitionRefused("Only a supervisor may assign investigators.", status=403)
            if not access.can_assign(actor, locked):
                raise TransitionRefused(f"A {locked.get_state_display().lower()} case cannot be assigned.", status=409)
            if investigator is None or not investigator.is_active or not has_role(investigator, Role.INVESTIGATOR):
                raise TransitionRefused(
                    "Choose an active investigator.", status=400, field_errors={"investigator": ["Choose an active investigator."]}
                )
            previous = locked.assigned_investigator
            locked.assigned_investigator = investigator
            locked.save(update_fields=["assigned_investigator", "updated_at"])
            record_event(
                actor=actor,
                action="incident.assigned" if previous is None else "incident.reassigned",
                target=locked,
                from_state=locked.state,
                to_state=locked.state,
                reason=reason[:2000],
                request=request,
                detail={"from": previous.get_username() if previous else None, "to": investigator.get_username()},
            )
            _email_on_commit(
                investigator,
                f"{locked.reference} is assigned to you",
                f"{actor.get_full_name() or actor.get_username()} assigned case {locked.reference} to you.",
            )
    except TransitionRefused as refusal:
        audit_refusal(refusal, actor=actor, action="incident.assigned", target=incident, from_state=incident.state,
                      reason=reason, request=request)
        raise
    return locked


PUBLISHABLE_STATES = access.RELEASABLE_STATES
_BLOCK = Decimal("0.001")  # about 100 m of latitude


def public_coordinates(incident: Incident, precision: str) -> tuple[Decimal | None, Decimal | None]:
    """Where the public map puts the incident: never more precise than `precision` allows."""
    centroid = NEIGHBOURHOODS_BY_KEY.get(incident.neighbourhood)
    if precision == "neighbourhood" or incident.latitude is None:
        return (centroid.latitude, centroid.longitude) if centroid else (None, None)
    if precision == "exact":
        return incident.latitude, incident.longitude
    return (
        incident.latitude.quantize(_BLOCK, rounding=ROUND_HALF_UP),
        incident.longitude.quantize(_BLOCK, rounding=ROUND_HALF_UP),
    )


def publish_incident(incident: Incident, *, actor: User, precision: str = "block", request: HttpRequest | None = None) -> Incident:
    try:
        with transaction.atomic():
            locked = Incident.objects.select_for_update().get(pk=incident.pk)
            if not access.is_visible(actor, locked):
                raise TransitionRefused("You may not act on this case.", status=404)
            if not access.can_publish(actor, locked):
                raise TransitionRefused("Only a release officer or a supervisor may publish an incident.", status=403)
            if precision not in dict(PUBLIC_LOCATION_PRECISIONS):
                raise TransitionRefused("Unknown precision.", status=400, field_errors={"precision": ["Choose block, neighbourhood or exact."]})
            if locked.state not in PUBLISHABLE_STATES:
                raise TransitionRefused("Only a case under investigation or later can be published.", status=409)
            if not locked.public_summary.strip():
                raise TransitionRefused(
                    "Write a public summary first.", status=400, field_errors={"public_summary": ["Write a public summary first."]}
                )
            was_published = locked.published_at is not None
            locked.public_location_precision = precision
            locked.public_latitude, locked.public_longitude = public_coordinates(locked, precision)
            locked.published_at = locked.published_at or timezone.now()
            locked.save(update_fields=["public_location_precision", "public_latitude", "public_longitude", "published_at", "updated_at"])
            public_data_changed()
            record_event(
                actor=actor,
                action="incident.published",
                target=locked,
                from_state=locked.state,
                to_state=locked.state,
                request=request,
                detail={"precision": precision, "republished": was_published},
            )
    except TransitionRefused as refusal:
        audit_refusal(refusal, actor=actor, action="incident.published", target=incident, from_state=incident.state,
                      reason="", request=request)
        raise
    return locked


def unpublish_incident(incident: Incident, *, actor: User, reason: str = "", request: HttpRequest | None = None) -> Incident:
    try:
        with transaction.atomic():
            locked = Incident.objects.select_for_update().get(pk=incident.pk)
            if not access.is_visible(actor, locked):
                raise TransitionRefused("You may not act on this case.", status=404)
            if not access.can_publish(actor, locked):
                raise TransitionRefused("Only a release officer or a supervisor may unpublish an incident.", status=403)
            if locked.published_at is None:
                raise TransitionRefused("This incident is not published.", status=409)
            locked.published_at = None
            locked.public_latitude = locked.public_longitude = None
            locked.save(update_fields=["published_at", "public_latitude", "public_longitude", "updated_at"])
            public_data_changed()
            record_event(actor=actor, action="incident.unpublished", target=locked, reason=reason[:2000], request=request)
    except TransitionRefused as refusal:
        audit_refusal(refusal, actor=actor, action="incident.unpublished", target=incident, from_state=incident.state,
                      reason=reason, request=request)
        raise
    return locked
