"""Counts for the statistics page and the home page, computed from the public selector only.

Each chart carries its numbers as a table (`columns`, `rows`): the page prints that table under
the picture for screen readers, and the chart's CSV download is the same table, so the three
never disagree."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils import formats, timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from releases.selectors import overdue_releases

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
from .vocabulary_labels import translated_label

TIMELINESS_BUCKETS = [(7, "0–7"), (14, "8–14"), (30, "15–30"), (60, "31–60"), (None, "61+")]


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    columns: tuple[str, ...]
    rows: tuple[tuple, ...]
    svg: SafeString

    @property
    def csv_name(self) -> str:
        return f"{self.id}.csv"


def key_numbers() -> dict:
    incidents = public_incidents()
    return {
        "incidents": incidents.count(),
        "files": public_releases().count(),
        "closed": incidents.filter(state=CLOSED_STATE).count(),
    }


def _draw(chart_id: str, title: str, columns, rows, bars: list[Bar], description: str) -> Chart:
    svg = horizontal_bar_chart(chart_id=chart_id, title=title, description=description, bars=bars)
    return Chart(chart_id, title, description, tuple(columns), tuple(tuple(r) for r in rows), svg)


def _count_chart(chart_id: str, title: str, label_heading: str, counts: list[tuple[str, int]]) -> Chart:
    bars = [Bar(label, value) for label, value in counts]
    total = sum(b.value for b in bars)
    description = _("%(total)d in all. ") % {"total": total} + "; ".join(f"{b.label}: {b.value}" for b in bars)
    return _draw(chart_id, title, (label_heading, _("Number")), counts, bars, description)


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def _share_chart(chart_id: str, title: str, label_heading: str, shares: list[tuple[str, int, int]]) -> Chart:
    """Rows of (label, incidents, incidents with masked agents), drawn as the masked share."""
    bars = [Bar(label, _percent(masked, total), f"{_percent(masked, total)}%") for label, total, masked in shares]
    description = "; ".join(
        _("%(label)s: %(masked)d of %(total)d (%(percent)d%%)")
        % {"label": label, "masked": masked, "total": total, "percent": _percent(masked, total)}
        for label, total, masked in shares
    )
    rows = [(label, total, masked, _percent(masked, total)) for label, total, masked in shares]
    columns = (label_heading, _("Incidents"), _("With masked agents"), _("Share masked (%)"))
    return _draw(chart_id, title, columns, rows, bars, description)


def _ranked(counter: Counter, labels: dict) -> list[tuple[str, int]]:
    return [(translated_label(str(labels.get(key, key))), n) for key, n in sorted(counter.items(), key=lambda kv: (-kv[1], str(labels.get(kv[0], kv[0]))))]


def _month_label(year: int, month: int) -> str:
    return formats.date_format(date(year, month, 1), "YEAR_MONTH_FORMAT")


def all_charts() -> list[Chart]:
    """Every chart from three queries: public incidents, published files, and the count of
    footage overdue now."""
    rows = public_incidents().values_list(
        "occurred_start", "neighbourhood", "agencies", "categories", "state", "outcome", "agents_masked"
    )
    months: Counter = Counter()
    agencies: Counter = Counter()
    categories: Counter = Counter()
    neighbourhoods: Counter = Counter()
    outcomes: Counter = Counter()
    masked_by_agency: Counter = Counter()
    masked_by_month: Counter = Counter()
    for occurred, neighbourhood, agency_list, category_list, state, outcome, masked in rows:
        if occurred:
            local = timezone.localtime(occurred)
            months[(local.year, local.month)] += 1
            masked_by_month[(local.year, local.month)] += bool(masked)
        neighbourhoods[neighbourhood] += 1
        agencies.update(agency_list or [])
        if masked:
            masked_by_agency.update(agency_list or [])
        categories.update(category_list or [])
        if state == CLOSED_STATE and outcome:
            outcomes[outcome] += 1
    timeliness: Counter = Counter()
    on_time = late = 0
    for occurred, published, due in public_releases().values_list("incident__occurred_start", "published_at", "due_at"):
        if published and due:
            on_time, late = (on_time + 1, late) if published <= due else (on_time, late + 1)
        if occurred and published:
            days = max(0, (published - occurred).days)
            label = next(lab for limit, lab in TIMELINESS_BUCKETS if limit is None or days <= limit)
            timeliness[label] += 1
    sorted_months = sorted(months)
    clock_rows = [
        (_("Released on time"), on_time),
        (_("Released late"), late),
        # Footage of every incident, published or not: a backlog must not hide behind unpublished cases.
        (_("Overdue now (not yet released or withheld)"), overdue_releases().count()),
    ]
    return [
        _count_chart("by-month", _("Incidents by month"), _("Month"), [(_month_label(*m), months[m]) for m in sorted_months]),
        _count_chart("by-agency", _("Incidents by agency"), _("Agency"), _ranked(agencies, AGENCY_LABELS)),
        _share_chart(
            "masked-by-agency",
            _("Incidents with masked agents, by agency"),
            _("Agency"),
            [(label, agencies[code], masked_by_agency[code]) for code, label in _codes_ranked(agencies, AGENCY_LABELS)],
        ),
        _share_chart(
            "masked-by-month",
            _("Incidents with masked agents, by month"),
            _("Month"),
            [(_month_label(*m), months[m], masked_by_month[m]) for m in sorted_months],
        ),
        _count_chart("by-category", _("Incidents by type"), _("Type"), _ranked(categories, CATEGORY_LABELS)),
        _count_chart("by-neighbourhood", _("Incidents by neighbourhood"), _("Neighbourhood"), _ranked(neighbourhoods, NEIGHBOURHOOD_LABELS)),
        _count_chart("by-outcome", _("Closed incidents by outcome"), _("Outcome"), _ranked(outcomes, OUTCOME_LABELS)),
        _count_chart(
            "release-clock",
            _("Release clock: footage released by the city's deadline of %(days)d days") % {"days": settings.RELEASE_DEADLINE_DAYS},
            _("Footage"),
            clock_rows,
        ),
        _count_chart(
            "timeliness",
            _("Days from incident to video release"),
            _("Days"),
            [(_("%(days)s days") % {"days": label}, timeliness[label]) for _limit, label in TIMELINESS_BUCKETS],
        ),
    ]


def _codes_ranked(counter: Counter, labels: dict) -> list[tuple[str, str]]:
    ranked = sorted(counter.items(), key=lambda kv: (-kv[1], str(labels.get(kv[0], kv[0]))))
    return [(code, translated_label(str(labels.get(code, code)))) for code, _n in ranked]


def chart_by_id(chart_id: str) -> Chart | None:
    return next((c for c in all_charts() if c.id == chart_id), None)
