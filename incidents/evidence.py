"""What a case page shows of its evidence: the footage and releases of one incident as the user
may see them, and the actions the user may take on each from there."""

from __future__ import annotations

from dataclasses import dataclass

from footage import access as footage_access
from footage.ingest_warnings import IngestWarning, warnings_for
from footage.models import FootageItem
from releases import access as release_access
from releases.models import Release, ReleaseState
from releases.workflow import release_blocker

from .models import Incident

# Releases that are over and done: neither a new request for that footage nor its review is waiting on them.
_FINISHED = {ReleaseState.PUBLISHED, ReleaseState.WITHHELD}


@dataclass(frozen=True)
class FootageRow:
    item: FootageItem
    open_release: Release | None
    may_request_release: bool
    warnings: list[IngestWarning]


@dataclass(frozen=True)
class CaseEvidence:
    footage: list[FootageRow]
    releases: list[Release]
    may_attach: bool
    may_review: bool


def evidence_for(user, incident: Incident) -> CaseEvidence:
    visible = footage_access.visible_footage(user)
    items = list(visible.filter(incident=incident).order_by("uploaded_at", "id"))
    releases = list(
        release_access.visible_releases(user).filter(incident=incident).select_related("footage").order_by("requested_at", "id")
    )
    open_by_footage = {r.footage_id: r for r in releases if r.state not in _FINISHED}
    rows = [
        FootageRow(item=item, open_release=open_by_footage.get(item.pk),
                   may_request_release=item.pk not in open_by_footage and release_blocker(item) is None
                   and release_access.may_request_release_of(user, item),
                   warnings=warnings_for(item, visible=visible) if footage_access.can_verify(user, item) else [])
        for item in items
    ]
    return CaseEvidence(
        footage=rows,
        releases=releases,
        may_attach=footage_access.can_upload_to(user, incident),
        may_review=release_access.can_review(user),
    )

