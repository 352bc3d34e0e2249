"""Reading the audit trail: the auditor's filters over `AuditEvent`, and its CSV export."""

from __future__ import annotations

from typing import Iterator

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest

from .csv_export import stream_csv
from .date_filters import within_local_days
from .models import AuditEvent
from .refusals import Refused, audit_refusal
from .roles import Role, has_role


class AuditTrailRefused(Refused, PermissionDenied):
    """Someone who is not an auditor asked for the trail; a page that lets it through answers 403."""

    status = 403


def can_read_audit_trail(user) -> bool:
    return has_role(user, Role.AUDITOR)


def require_auditor(user, *, action: str, request: HttpRequest, **detail) -> None:
    """Refuse, on the trail, anyone but an auditor: the one check before every read of the trail."""
    if not can_read_audit_trail(user):
        refusal = AuditTrailRefused("Only auditors read the audit trail.")
        audit_refusal(refusal, actor=user, action=action, object_type="portal.auditevent", reason="", request=request, **detail)
        raise refusal


def filter_events(criteria: dict) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.all()
    if criteria.get("actor"):
        events = events.filter(actor_username__iexact=criteria["actor"])
    if criteria.get("action"):
        events = events.filter(action__istartswith=criteria["action"])
    if criteria.get("object_type"):
        events = events.filter(object_type=criteria["object_type"])
    if criteria.get("object_id"):
        events = events.filter(object_id=criteria["object_id"])
    if criteria.get("outcome"):
        events = events.filter(outcome=criteria["outcome"])
    events = within_local_days(events, "occurred_at", criteria.get("date_from"), criteria.get("date_to"))
    return events.order_by("-id")


AUDIT_COLUMNS = [
    "id", "occurred_at", "actor_username", "action", "object_type", "object_id", "outcome",
    "from_state", "to_state", "reason", "ip_address", "prev_hash", "hash",
]


def audit_rows(queryset: QuerySet[AuditEvent]) -> Iterator[str]:
    return stream_csv(
        AUDIT_COLUMNS,
        ([getattr(event, name) for name in AUDIT_COLUMNS] for event in queryset.order_by("id").iterator(chunk_size=1000)),
    )
