"""Which releases the public sees, and which are overdue: written once, used everywhere."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from .models import Release, ReleaseState

OPEN_STATES = (ReleaseState.REQUESTED, ReleaseState.REDACTING, ReleaseState.IN_REVIEW, ReleaseState.APPROVED)


def published_releases() -> QuerySet[Release]:
    """The one definition of public footage: a published release, with its signed manifest, of
    an incident that is itself published. Every public page, feed, API and export uses this."""
    return (
        Release.objects.filter(state=ReleaseState.PUBLISHED, incident__published_at__isnull=False)
        .exclude(release_file="")
        .exclude(signature="")
        .select_related("incident")
        .order_by("-published_at")
    )


def get_published_release(pk) -> Release | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return published_releases().filter(pk=pk).first()


def overdue_releases(now=None) -> QuerySet[Release]:
    """Releases still open past their deadline. Withheld releases have been decided, so they are not overdue."""
    now = now or timezone.now()
    return Release.objects.filter(state__in=OPEN_STATES, due_at__lt=now).select_related("incident").order_by("due_at")


def releases_awaiting(state: str) -> QuerySet[Release]:
    return Release.objects.filter(state=state).select_related("incident").order_by("due_at")
