"""Staff-home panels: release officers see their queues, supervisors and officers the overdue releases."""

from __future__ import annotations

from django.http import HttpRequest

from portal.dashboard import Panel
from portal.roles import Role, has_role

from .access import visible_releases
from .models import ReleaseState
from .selectors import overdue_releases

PANEL_TEMPLATE = "releases/panel.html"
LIMIT = 10


def release_panels(request: HttpRequest) -> list[Panel]:
    user = request.user
    panels: list[Panel] = []
    visible = visible_releases(user)
    if has_role(user, Role.RELEASE_OFFICER):
        in_review = visible.filter(state=ReleaseState.IN_REVIEW).select_related("incident").order_by("due_at")
        approved = visible.filter(state=ReleaseState.APPROVED).select_related("incident").order_by("due_at")
        panels.append(Panel("Releases in review", PANEL_TEMPLATE, {"releases": in_review[:LIMIT], "count": in_review.count(),
                                                                   "empty": "No release is waiting for review."}, order=40))
        panels.append(Panel("Approved, awaiting publication", PANEL_TEMPLATE,
                            {"releases": approved[:LIMIT], "count": approved.count(), "empty": "No approved release is waiting."}, order=41))
    if has_role(user, Role.RELEASE_OFFICER, Role.SUPERVISOR):
        overdue = overdue_releases().filter(pk__in=visible.values("pk"))
        panels.append(Panel("Overdue releases", PANEL_TEMPLATE,
                            {"releases": overdue[:LIMIT], "count": overdue.count(), "overdue": True,
                             "empty": "No release is past its deadline."}, order=42))
    return panels
