"""A small picture of each automatic region, so the reviewer sees which face a row of the review
page means: cropped from the original at the middle of the region's frames, made the first time
someone asks for it (never while the page is built) and kept for that render."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.files import File

from footage.custody import record_custody
from footage.models import CustodyAction
from media import make_region_thumbnail

from .models import Release
from .rendering import _local_original, release_storage
from .review import source_geometry


def thumbnail_name(release: Release, track_id: int) -> str:
    # Keyed by the render: a new render numbers and places regions anew.
    stamp = release.rendered_at.strftime("%Y%m%d%H%M%S%f") if release.rendered_at else "none"
    return f"review-thumbnails/{release.pk}/{stamp}-{track_id}.jpg"


def region_thumbnail(release: Release, track_id: int, *, actor, request=None) -> str | None:
    """The stored name of the thumbnail of region `track_id` of the current render, made if
    missing; None if the render has no such region. Raises media.MediaError if it cannot be made."""
    track = next((t for t in (release.redaction_log or {}).get("tracks", []) if t.get("id") == track_id and t.get("frames")), None)
    if track is None:
        return None
    storage = release_storage()
    name = thumbnail_name(release, track_id)
    if storage.exists(name):
        return name
    frame, *box = track["frames"][len(track["frames"]) // 2]
    log = release.redaction_log or {}
    geo = source_geometry(release)
    out = log.get("output") or {}
    # Automatic boxes are logged in the release copy's pixels.
    width, height = out.get("width") or geo["width"] or 1, out.get("height") or geo["height"] or 1
    fractions = (box[0] / width, box[1] / height, box[2] / width, box[3] / height)
    with tempfile.TemporaryDirectory(prefix="region-thumb-") as work:
        with _local_original(release.footage, Path(work)) as source:
            made = make_region_thumbnail(source, Path(work) / "thumb.jpg", (frame + 0.5) / (geo["fps"] or 30), fractions)
        try:
            final = Path(storage.path(name))
        except NotImplementedError:
            with open(made, "rb") as f:
                name = storage.save(name, File(f))
        else:
            final.parent.mkdir(parents=True, exist_ok=True)
            made.replace(final)
    record_custody(release.footage, CustodyAction.DERIVED, actor=actor, request=request,
                   detail={"what": "region thumbnail for review", "release": release.pk, "region": track_id, "frame": frame})
    return name
