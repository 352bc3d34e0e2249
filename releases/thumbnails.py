"""A small picture of each automatic region, so the reviewer sees which face a row of the review
page means: cropped from the original at the middle of the region's frames, made the first time
someone asks for it (never while the page is built) and kept for a while in the cache, not in
storage: it shows a face unhidden, and must not outlive the original when retention deletes it."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.cache import cache

from footage.custody import record_custody
from footage.jobs import local_original
from footage.models import CustodyAction
from media import make_region_thumbnail
from redaction.regions_log import RegionsLog

from .models import Release
from .review import source_geometry

KEEP_SECONDS = 6 * 3600


def _cache_key(release: Release, track_id: int) -> str:
    # Keyed by the render: a new render numbers and places regions anew.
    stamp = release.rendered_at.strftime("%Y%m%d%H%M%S%f") if release.rendered_at else "none"
    return f"releases:region-thumbnail:{release.pk}:{stamp}:{track_id}"


def region_thumbnail(release: Release, track_id: int, *, actor, request=None) -> bytes | None:
    """The JPEG of region `track_id` of the current render, made if not cached; None if the render
    has no such region. Raises media.MediaError if it cannot be made."""
    log = RegionsLog.from_dict(release.redaction_log)
    track = log.track(track_id)
    if track is None or not track.frames:
        return None
    key = _cache_key(release, track_id)
    picture = cache.get(key)
    if picture is not None:
        return picture
    frame, *box = track.frames[len(track.frames) // 2]
    geo = source_geometry(release, log)
    # Automatic boxes are logged in the release copy's pixels.
    width, height = log.width or geo["width"] or 1, log.height or geo["height"] or 1
    fractions = (box[0] / width, box[1] / height, box[2] / width, box[3] / height)
    with tempfile.TemporaryDirectory(prefix="region-thumb-") as work:
        with local_original(release.footage) as source:
            made = make_region_thumbnail(source, Path(work) / "thumb.jpg", (frame + 0.5) / (geo["fps"] or 30), fractions)
        picture = made.read_bytes()
    record_custody(release.footage, CustodyAction.DERIVED, actor=actor, request=request,
                   detail={"what": "region thumbnail for review", "release": release.pk, "region": track_id, "frame": frame})
    cache.set(key, picture, KEEP_SECONDS)
    return picture
