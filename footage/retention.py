"""Retention schedules and legal holds: how long footage is kept, what is due for deletion, and
the holds that stop it.

An item's retention is the longest period among the rules for its incident's categories and its
own kind (an administrator sets them; `DEFAULT_DAYS` until then), counted from when the case was
closed (or the upload, if later). Footage in an open case, in a published release (or one still
on its way to publication), under an active hold, or already deleted is never due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from incidents.access import is_visible
from incidents.models import Incident, IncidentState
from incidents.vocabulary import CATEGORIES
from portal.audit import record_event
from portal.models import AuditOutcome
from portal.roles import Role, has_role

from .custody import record_custody
from .lifecycle_errors import LifecycleError, LifecycleRefused
from .models import CustodyAction, FootageItem, FootageKind, LegalHold, RetentionRule, RetentionScope

# Massachusetts' Body Camera Task Force: recordings not tied to a proceeding kept no less than
# 180 days and no more than 30 months. Categories that usually lead to a complaint or a
# prosecution are kept for the upper bound; the rest for the lower.
THIRTY_MONTHS = 913
DEFAULT_DAYS: dict[tuple[str, str], int] = {
    **{(RetentionScope.CATEGORY, key): THIRTY_MONTHS for key, _ in CATEGORIES},
    (RetentionScope.CATEGORY, "vehicle_stop"): 365,
    (RetentionScope.CATEGORY, "other"): 180,
    **{(RetentionScope.KIND, key): 180 for key in FootageKind.values},
}
MIN_DAYS, MAX_DAYS = 1, 36500
DUE_WINDOW = timedelta(days=30)
HOLD_ROLES = (Role.SUPERVISOR,)
DUE_LIST_ROLES = (Role.SUPERVISOR, Role.RELEASE_OFFICER)


def may_set_retention(user) -> bool:
    return has_role(user, Role.ADMIN)


def may_place_holds(user) -> bool:
    return has_role(user, *HOLD_ROLES)


def may_see_due(user) -> bool:
    return has_role(user, *DUE_LIST_ROLES)


def may_mark_do_not_disclose(user) -> bool:
    return has_role(user, Role.SUPERVISOR)


@dataclass(frozen=True)
class ScheduleRow:
    scope: str
    key: str
    label: str
    days: int
    is_default: bool


def schedule() -> list[ScheduleRow]:
    """Every category and kind with its period now, defaults included."""
    stored = {(r.scope, r.key): r.days for r in RetentionRule.objects.all()}
    labels = {**{(RetentionScope.CATEGORY, k): label for k, label in CATEGORIES},
              **{(RetentionScope.KIND, k): label for k, label in FootageKind.choices}}
    return [
        ScheduleRow(scope, key, labels[(scope, key)], stored.get((scope, key), default), (scope, key) not in stored)
        for (scope, key), default in DEFAULT_DAYS.items()
    ]


def periods() -> dict[tuple[str, str], int]:
    return {(row.scope, row.key): row.days for row in schedule()}


def set_retention_period(*, actor: User, scope: str, key: str, days, request=None) -> RetentionRule:
    if not may_set_retention(actor):
        record_event(actor=actor, action="retention.set_refused", object_type="footage.retentionrule", object_id=f"{scope}:{key}",
                     outcome=AuditOutcome.REFUSED, reason="only administrators set retention periods", request=request)
        raise LifecycleRefused("Only administrators set retention periods.")
    if (scope, key) not in DEFAULT_DAYS:
        raise LifecycleError(f"There is no {scope!r} called {key!r}.")
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise LifecycleError("The period must be a whole number of days.") from None
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise LifecycleError(f"The period must be between {MIN_DAYS} and {MAX_DAYS} days.")
    with transaction.atomic():
        rule = RetentionRule.objects.select_for_update().filter(scope=scope, key=key).first()
        before = rule.days if rule else DEFAULT_DAYS[(scope, key)]
        if rule is None:
            rule = RetentionRule(scope=scope, key=key)
        rule.days, rule.updated_by, rule.updated_at = days, actor, timezone.now()
        rule.save()
        record_event(actor=actor, action="retention.period_set", target=rule, from_state=str(before), to_state=str(days),
                     request=request, detail={"scope": scope, "key": key})
    return rule


def active_holds() -> QuerySet[LegalHold]:
    return LegalHold.objects.filter(lifted_at__isnull=True)


def holds_covering(item: FootageItem) -> QuerySet[LegalHold]:
    return active_holds().filter(Q(footage=item) | Q(incident_id=item.incident_id))


def is_held(item: FootageItem) -> bool:
    return holds_covering(item).exists()


def retention_days(item: FootageItem, table: dict | None = None) -> int:
    table = table or periods()
    candidates = [table[(RetentionScope.KIND, item.kind)]]
    candidates += [table[(RetentionScope.CATEGORY, c)] for c in item.incident.categories if (RetentionScope.CATEGORY, c) in table]
    return max(candidates)


def retention_ends_at(item: FootageItem, table: dict | None = None) -> datetime | None:
    """None while the case is open: its footage is kept until it closes."""
    incident = item.incident
    if incident.state != IncidentState.CLOSED or incident.closed_at is None:
        return None
    start = max(incident.closed_at, item.uploaded_at)
    return start + timedelta(days=retention_days(item, table))


def release_copy_outlives_original() -> bool:
    """RETENTION_RELEASE_COPY_OUTLIVES_ORIGINAL: whether a published release's original may be
    deleted while its redacted public copy stays published. Off by default: published footage
    keeps its original, so a release copy never stays public without it."""
    from django.conf import settings

    return settings.RETENTION_RELEASE_COPY_OUTLIVES_ORIGINAL


def _candidates() -> QuerySet[FootageItem]:
    """Items that could be due: not deleted, closed case, no release other than a withheld one, no hold."""
    from releases.models import Release, ReleaseState

    held = active_holds().filter(Q(footage=OuterRef("pk")) | Q(incident=OuterRef("incident")))
    # A release on its way (requested, in review, approved) still renders from the original. A
    # published one keeps it too, unless the city's policy lets its public copy outlive it.
    keeping = [ReleaseState.WITHHELD, *([ReleaseState.PUBLISHED] if release_copy_outlives_original() else [])]
    published = Release.objects.filter(footage=OuterRef("pk")).exclude(state__in=keeping)
    return (
        FootageItem.objects.filter(deleted_at__isnull=True, incident__state=IncidentState.CLOSED)
        .exclude(Exists(held)).exclude(Exists(published)).select_related("incident")
    )


def due_items(*, within: timedelta = timedelta(0), now: datetime | None = None) -> list[tuple[FootageItem, datetime]]:
    """(item, when its retention ends) for every item due by now + `within`, soonest first."""
    limit = (now or timezone.now()) + within
    table = periods()
    found = []
    for item in _candidates().iterator():
        ends = retention_ends_at(item, table)
        if ends is not None and ends <= limit:
            found.append((item, ends))
    return sorted(found, key=lambda pair: pair[1])


def is_due(item: FootageItem, now: datetime | None = None) -> bool:
    if not _candidates().filter(pk=item.pk).exists():
        return False
    ends = retention_ends_at(item)
    return ends is not None and ends <= (now or timezone.now())


def due_soon(user, *, now: datetime | None = None) -> list[tuple[FootageItem, datetime]]:
    if not may_see_due(user):
        raise LifecycleRefused("Only supervisors and records officers see what falls due.")
    return due_items(within=DUE_WINDOW, now=now)


# ---- legal holds ----------------------------------------------------------------------------

def place_hold(*, actor: User, reason: str, matter_reference: str, incident: Incident | None = None,
               footage: FootageItem | None = None, request=None) -> LegalHold:
    target = incident if incident is not None else footage
    if (incident is None) == (footage is None):
        raise LifecycleError("A hold is placed on an incident or on one footage item.")
    if not may_place_holds(actor) or not is_visible(actor, incident or footage.incident):
        record_event(actor=actor, action="hold.place_refused", target=target, outcome=AuditOutcome.REFUSED,
                     reason="only supervisors place legal holds", request=request)
        raise LifecycleRefused("Only supervisors place legal holds.")
    reason, matter_reference = (reason or "").strip(), (matter_reference or "").strip()
    if not reason:
        raise LifecycleError("Give the reason for the hold.")
    if not matter_reference:
        raise LifecycleError("Give the matter reference (case or docket number) the hold is for.")
    if len(matter_reference) > 120:
        raise LifecycleError("The matter reference is at most 120 characters.")
    with transaction.atomic():
        if footage is not None:
            footage = FootageItem.objects.select_for_update().get(pk=footage.pk)
            if footage.deleted_at is not None:
                raise LifecycleError("This footage was deleted; there is nothing left to hold.")
        hold = LegalHold.objects.create(incident=incident, footage=footage, reason=reason,
                                        matter_reference=matter_reference, placed_by=actor)
        record_event(actor=actor, action="hold.placed", target=target, reason=reason, request=request,
                     detail={"hold": hold.pk, "matter_reference": matter_reference})
        for item in ([footage] if footage else FootageItem.objects.filter(incident=incident, deleted_at__isnull=True)):
            record_custody(item, CustodyAction.HOLD_PLACED, actor=actor, request=request,
                           detail={"hold": hold.pk, "matter_reference": matter_reference, "reason": reason})
    return hold


def lift_hold(hold: LegalHold, *, actor: User, reason: str, request=None) -> LegalHold:
    target = hold.incident if hold.incident_id else hold.footage
    if not may_place_holds(actor):
        record_event(actor=actor, action="hold.lift_refused", target=target, outcome=AuditOutcome.REFUSED,
                     reason="only supervisors lift legal holds", request=request)
        raise LifecycleRefused("Only supervisors lift legal holds.")
    reason = (reason or "").strip()
    if not reason:
        raise LifecycleError("Give the reason for lifting the hold.")
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if hold.lifted_at is not None:
            raise LifecycleError("This hold was already lifted.")
        hold.lifted_at, hold.lifted_by, hold.lift_reason = timezone.now(), actor, reason
        hold.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        record_event(actor=actor, action="hold.lifted", target=target, reason=reason, request=request,
                     detail={"hold": hold.pk, "matter_reference": hold.matter_reference})
        items = [hold.footage] if hold.footage_id else FootageItem.objects.filter(incident=hold.incident, deleted_at__isnull=True)
        for item in items:
            record_custody(item, CustodyAction.HOLD_LIFTED, actor=actor, request=request,
                           detail={"hold": hold.pk, "matter_reference": hold.matter_reference, "reason": reason})
    return hold


def visible_holds(user) -> QuerySet[LegalHold]:
    """Holds on cases the user sees; supervisors, release officers and auditors."""
    from incidents.access import visible_incidents

    if not has_role(user, Role.SUPERVISOR, Role.RELEASE_OFFICER, Role.AUDITOR):
        return LegalHold.objects.none()
    cases = visible_incidents(user).values("pk")
    return LegalHold.objects.filter(Q(incident__in=cases) | Q(footage__incident__in=cases)).select_related(
        "incident", "footage", "placed_by", "lifted_by")


# ---- do not disclose ------------------------------------------------------------------------

def set_do_not_disclose(item: FootageItem, *, actor: User, value: bool, reason: str, request=None) -> FootageItem:
    if not may_mark_do_not_disclose(actor) or not is_visible(actor, item.incident):
        record_event(actor=actor, action="footage.do_not_disclose_refused", target=item, outcome=AuditOutcome.REFUSED,
                     reason="only supervisors mark footage do-not-disclose", request=request)
        raise LifecycleRefused("Only supervisors mark footage do-not-disclose.")
    reason = (reason or "").strip()
    if not reason:
        raise LifecycleError("Give the reason.")
    with transaction.atomic():
        item = FootageItem.objects.select_for_update().get(pk=item.pk)
        before = item.do_not_disclose
        item.do_not_disclose = bool(value)
        item.save(update_fields=["do_not_disclose"])
        record_event(actor=actor, action="footage.do_not_disclose_set", target=item, from_state=str(before),
                     to_state=str(item.do_not_disclose), reason=reason, request=request)
        if item.do_not_disclose:
            _withdraw_published_releases(item, actor=actor, request=request)
    return item


def _withdraw_published_releases(item: FootageItem, *, actor: User, request=None) -> None:
    """Footage marked do-not-disclose leaves the public site at once, in the marking's transaction:
    the mark's reason stays in the audit trail, the public reads only the ground."""
    from releases.models import Release, ReleaseState, WithholdGround
    from releases.workflow import apply_release_transition

    for release in Release.objects.filter(footage=item, state=ReleaseState.PUBLISHED).order_by("pk"):
        apply_release_transition(release, "withdraw", actor=actor, ground=WithholdGround.OTHER,
                                 reason="The footage was marked do-not-disclose.", request=request)
