"""Bar charts drawn on the server as SVG, so the statistics page needs no JavaScript.

Each chart is labelled for screen readers (role="img", <title>, <desc>) and the page always shows
the same numbers in a table beside it; the SVG is a picture of the table, not the only copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

# USWDS palette colours with at least 3:1 contrast against white (WCAG 1.4.11 for graphics).
BAR_COLOUR = "#005ea2"
TEXT_COLOUR = "#1b1b1b"
AXIS_COLOUR = "#71767a"


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    text: str = ""  # what is printed at the end of the bar, when not the bare value ("40%")


def horizontal_bar_chart(*, chart_id: str, title: str, description: str, bars: list[Bar]) -> SafeString:
    """One bar per row, labels on the left, the value printed at the end of each bar.

    Horizontal bars keep long labels (agency names, neighbourhoods) readable on a phone without
    rotating text."""
    row_height, label_width, bar_area, value_width, pad = 28, 220, 300, 60, 8
    height = max(1, len(bars)) * row_height + 2 * pad
    width = label_width + bar_area + value_width
    top = max((b.value for b in bars), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="public-chart" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" viewBox="0 0 {width} {height}" '
        f'preserveAspectRatio="xMinYMin meet" focusable="false" direction="ltr">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        f'<line x1="{label_width}" y1="{pad}" x2="{label_width}" y2="{height - pad}" stroke="{AXIS_COLOUR}" stroke-width="1"/>',
    ]
    for index, bar in enumerate(bars):
        y = pad + index * row_height
        length = round(bar_area * bar.value / top, 1)
        label = bar.label if len(bar.label) <= 32 else bar.label[:31] + "…"
        parts.append(
            f'<text x="{label_width - 6}" y="{y + row_height / 2 + 5}" text-anchor="end" '
            f'font-size="13" fill="{TEXT_COLOUR}">{escape(label)}</text>'
        )
        parts.append(
            f'<rect x="{label_width}" y="{y + 4}" width="{length}" height="{row_height - 8}" fill="{BAR_COLOUR}"/>'
        )
        parts.append(
            f'<text x="{label_width + length + 6}" y="{y + row_height / 2 + 5}" font-size="13" '
            f'fill="{TEXT_COLOUR}">{escape(bar.text or str(bar.value))}</text>'
        )
    if not bars:
        parts.append(f'<text x="{label_width + 6}" y="{pad + 18}" font-size="13" fill="{TEXT_COLOUR}">0</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
