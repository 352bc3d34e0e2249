"""Narrowing a list of incidents the user may already see: filters and full-text search.

Callers pass in `access.visible_incidents(user)`; nothing here widens what a user sees.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q, QuerySet

from portal.date_filters import within_local_days

from .models import Incident

SEARCHED_FIELDS = ("reference", "address", "narrative", "public_summary", "police_report_number")
PRIVATE_FIELDS = ("narrative",)


def search(queryset: QuerySet[Incident], text: str, *, include_private: bool = True) -> QuerySet[Incident]:
    text = text.strip()
    if not text:
        return queryset
    fields = SEARCHED_FIELDS if include_private else tuple(f for f in SEARCHED_FIELDS if f not in PRIVATE_FIELDS)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        vector = SearchVector(*fields, config="english")
        query = SearchQuery(text, search_type="websearch", config="english")
        # References and report numbers are codes the stemmer would mangle: match them directly too.
        return queryset.annotate(search=vector).filter(
            Q(search=query) | Q(reference__iexact=text) | Q(police_report_number__iexact=text)
        )
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__icontains": text})
    return queryset.filter(condition)


def _contains(field: str, value: str) -> Q:
    # JSON list membership that works on PostgreSQL and SQLite alike.
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__contains": [value]})
    return Q(**{f"{field}__icontains": f'"{value}"'})


def filter_incidents(queryset: QuerySet[Incident], criteria: dict, *, include_private: bool = True) -> QuerySet[Incident]:
    """`include_private` False keeps the search out of text the user may not read (the narrative),
    so a match cannot reveal what it says."""
    if criteria.get("state"):
        queryset = queryset.filter(state=criteria["state"])
    if criteria.get("agency"):
        queryset = queryset.filter(_contains("agencies", criteria["agency"]))
    if criteria.get("category"):
        queryset = queryset.filter(_contains("categories", criteria["category"]))
    if criteria.get("neighbourhood"):
        queryset = queryset.filter(neighbourhood=criteria["neighbourhood"])
    if criteria.get("assignee"):
        queryset = queryset.filter(assigned_investigator=criteria["assignee"])
    queryset = within_local_days(queryset, "occurred_start", criteria.get("date_from"), criteria.get("date_to"))
    if criteria.get("q"):
        queryset = search(queryset, criteria["q"], include_private=include_private)
    return queryset
