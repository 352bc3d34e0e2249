"""Date filters of the staff lists, written once: a date a person picks means a whole day as the
site's time zone counts it, from its first moment to its last."""

from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import QuerySet
from django.utils import timezone


def within_local_days(queryset: QuerySet, field: str, date_from: date | None, date_to: date | None) -> QuerySet:
    """Rows whose `field` (a datetime) falls on `date_from`, `date_to` or a day between; either
    bound may be missing."""
    tz = timezone.get_current_timezone()
    if date_from:
        queryset = queryset.filter(**{f"{field}__gte": datetime.combine(date_from, time.min, tzinfo=tz)})
    if date_to:
        queryset = queryset.filter(**{f"{field}__lte": datetime.combine(date_to, time.max, tzinfo=tz)})
    return queryset
