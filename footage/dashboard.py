"""The footage panel on the staff home page: the latest footage the user may see, with its
processing state, so a failed or stuck job is noticed."""

from __future__ import annotations

from django.http import HttpRequest

from portal.dashboard import Panel

from .access import visible_footage
from .models import FootageStatus

PANEL_SIZE = 8


def footage_panels(request: HttpRequest) -> list[Panel]:
    visible = visible_footage(request.user)
    if not visible.query.is_empty() and visible.exists():
        items = list(visible.select_related("incident").order_by("-uploaded_at", "-id")[:PANEL_SIZE])
        failed = visible.filter(status=FootageStatus.PROCESSING_FAILED).count()
        return [Panel("Latest footage", "footage/panels/latest.html", {"items": items, "failed": failed}, order=60)]
    return []
