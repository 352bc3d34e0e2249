"""Reading the audit trail: the auditor's filters over `portal.models.AuditEvent`."""

from __future__ import annotations

from datetime import datetime, time

from django.db.models import QuerySet
from django.utils import timezone

from portal.models import AuditEvent


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
    tz = timezone.get_current_timezone()
    if criteria.get("date_from"):
        events = events.filter(occurred_at__gte=datetime.combine(criteria["date_from"], time.min, tzinfo=tz))
    if criteria.get("date_to"):
        events = events.filter(occurred_at__lte=datetime.combine(criteria["date_to"], time.max, tzinfo=tz))
    return events.order_by("-id")
