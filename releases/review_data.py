"""What the review page's script draws: regions over time, the reviewer's changes, the findings."""

from __future__ import annotations

from django.urls import reverse

from redaction.regions_log import RegionsLog

from .models import ChangeKind, RedactionChange, RedactionReason, Release, UnredactReason
from .review import REASONS_BY_KIND, change_label, marks_by_track, source_geometry


def review_payload(release: Release, user) -> dict:
    log = RegionsLog.from_dict(release.redaction_log)  # read once: it holds a box per frame per face
    geo = source_geometry(release, log)
    labels = dict(RedactionReason.choices) | dict(UnredactReason.choices)
    changes = list(RedactionChange.objects.filter(release=release).select_related("created_by", "confirmed_by"))
    # Which current track each standing decision points at, found by where its track was.
    marked = marks_by_track(release, [c for c in changes if c.is_active], log)
    # Where the last render followed each box added by hand, frame by frame (release-copy pixels).
    followed = {r.id: r.frames for r in log.manual_regions}
    return {
        "release": release.pk,
        "state": release.state,
        "fps": geo["fps"],
        "frames": geo["frames"],
        "source": {"width": geo["width"], "height": geo["height"]},
        # Automatic boxes are logged in the release copy's pixels; manual ones are in the source's.
        "rendered": {"width": log.width or geo["width"], "height": log.height or geo["height"]},
        "tracks": [
            {
                "id": t.id, "suppressed": t.suppressed, "frames": t.frames,
                "spared": t.spared,  # [[first, last], ...] frames this render left unhidden
                "mark": marked.get(t.id, (None, 0))[0], "marked_frames": marked.get(t.id, (None, 0))[1],
                "thumbnail_url": reverse("releases:region-thumbnail", args=[release.pk, t.id]),
            }
            for t in log.tracks if t.id is not None
        ],
        "changes": [
            {
                "id": c.pk, "kind": c.kind, "kind_label": c.get_kind_display(), "reason": c.reason,
                "reason_label": labels.get(c.reason, c.reason), "note": c.note, "track_id": c.track_id,
                "tracks": sorted(t for t, (mark, _) in marked.items() if mark == c.pk),
                "start_frame": c.start_frame, "end_frame": c.end_frame, "keyframes": c.keyframes,
                "followed": followed.get(change_label(c), []) if c.kind == ChangeKind.MANUAL else [],
                "start_seconds": c.start_seconds, "end_seconds": c.end_seconds,
                "created_by": c.created_by.get_username(), "mine": c.created_by_id == user.pk,
                "confirmed_by": c.confirmed_by.get_username() if c.confirmed_by else None,
                "withdrawn": c.withdrawn_at is not None, "takes_effect": c.takes_effect,
                "withdraw_url": reverse("api-release-change-withdraw", args=[release.pk, c.pk]),
                "confirm_url": reverse("api-release-change-confirm", args=[release.pk, c.pk]),
            }
            for c in changes
        ],
        "findings": [
            {**{k: f.get(k) for k in ("frame", "last", "seconds", "until_seconds", "box", "score", "cleared_by", "cleared_reason")},
             "index": i, "clear_url": reverse("api-release-finding-clear", args=[release.pk, i])}
            for i, f in enumerate(release.check_findings or [])
        ],
        "reasons": {kind: [[r, labels[r]] for r in reasons] for kind, reasons in REASONS_BY_KIND.items()},
        "kinds": ChangeKind.choices,
        "urls": {
            "changes": reverse("api-release-changes", args=[release.pk]),
            "bulk": reverse("api-release-changes-bulk", args=[release.pk]),
            "withdraw": reverse("api-release-changes-withdraw", args=[release.pk]),
            "confirm": reverse("api-release-changes-confirm", args=[release.pk]),
            "transition": reverse("api-release-transition", args=[release.pk]),
        },
    }
