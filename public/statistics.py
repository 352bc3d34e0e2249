"""Counts for the statistics page and the home page, computed from the public selector only."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.utils import formats, timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from .vocabulary_labels import translated_label
from .charts import Bar, horizontal_bar_chart
from .selectors import (
    AGENCY_LABELS,
    CATEGORY_LABELS,
    CLOSED_STATE,
    NEIGHBOURHOOD_LABELS,
    OUTCOME_LABELS,
    public_incidents,
    public_releases,
)

TIMELINESS_BUCKETS = [(7, "0–7"), (14, "8–14"), (30, "15–30"), (60, "31–60"), (None, "61+")]


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    label_heading: str
    bars: list[Bar]
    svg: SafeString


def key_numbers() -> dict:
    incidents = public_incidents()
    return {
        "incidents": incidents.count(),
        "files": public_releases().count(),
        "closed": incidents.filter(state=CLOSED_STATE).count(),
    }


def _chart(chart_id: str, title: str, label_heading: str, counts: list[tuple[str, int]]) -> Chart:
    bars = [Bar(label, value) for label, value in counts]
    total = sum(b.value for b in bars)
    description = _("%(total)d in all. ") % {"total": total} + "; ".join(f"{b.label}: {b.value}" for b in bars)
    return Chart(chart_id, title, description, label_heading, bars, horizontal_bar_chart(chart_id=chart_id, title=title, description=description, bars=bars))


def _ranked(counter: Counter, labels: dict) -> list[tuple[str, int]]:
    return [(translated_label(str(labels.get(key, key))), n) for key, n in sorted(counter.items(), key=lambda kv: (-kv[1], str(labels.get(kv[0], kv[0]))))]


def all_charts() -> list[Chart]:
    """Every chart from two queries: one over public incidents, one over published files."""
    rows = public_incidents().values_list("occurred_start", "neighbourhood", "agencies", "categories", "state", "outcome")
    months: Counter = Counter()
    agencies: Counter = Counter()
    categories: Counter = Counter()
    neighbourhoods: Counter = Counter()
    outcomes: Counter = Counter()
    for occurred, neighbourhood, agency_list, category_list, state, outcome in rows:
        if occurred:
            local = timezone.localtime(occurred)
            months[(local.year, local.month)] += 1
        neighbourhoods[neighbourhood] += 1
        agencies.update(agency_list or [])
        categories.update(category_list or [])
        if state == CLOSED_STATE and outcome:
            outcomes[outcome] += 1
    timeliness: Counter = Counter()
    for occurred, published in public_releases().values_list("incident__occurred_start", "published_at"):
        if occurred and published:
            days = max(0, (published - occurred).days)
            label = next(lab for limit, lab in TIMELINESS_BUCKETS if limit is None or days <= limit)
            timeliness[label] += 1
    month_rows = [
        (formats.date_format(_month_date(year, month), "YEAR_MONTH_FORMAT"), months[(year, month)])
        for year, month in sorted(months)
    ]
    return [
        _chart("by-month", _("Incidents by month"), _("Month"), month_rows),
        _chart("by-agency", _("Incidents by agency"), _("Agency"), _ranked(agencies, AGENCY_LABELS)),
        _chart("by-category", _("Incidents by type"), _("Type"), _ranked(categories, CATEGORY_LABELS)),
        _chart("by-neighbourhood", _("Incidents by neighbourhood"), _("Neighbourhood"), _ranked(neighbourhoods, NEIGHBOURHOOD_LABELS)),
        _chart("by-outcome", _("Closed incidents by outcome"), _("Outcome"), _ranked(outcomes, OUTCOME_LABELS)),
        _chart(
            "timeliness",
            _("Days from incident to video release"),
            _("Days"),
            [(_("%(days)s days") % {"days": label}, timeliness[label]) for _limit, label in TIMELINESS_BUCKETS],
        ),
    ]


def _month_date(year: int, month: int):
    from datetime import date

    return date(year, month, 1)
