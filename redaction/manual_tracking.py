"""A reviewer's box that follows its object: from each keyframe, the pipeline's patch follower
(normalised cross-correlation, `tracking.follow_patch`) follows the box forward to the next
keyframe (or the range's end) and back to the previous one (or the range's start). Every frame of
the range gets a box; a keyframe re-anchors the track.

On a frame both tracks reach (between two keyframes), the box covers both, and the box
interpolated between the keyframes: a tracker that slips makes the box larger, never the
object visible. OpenCV's MIL (its one tracker needing no model file) was tried and dropped: it
samples from a process-wide random state, so the same keyframes gave other boxes on each run
(and missed a moving patch on some), and a release copy must be reproducible.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import replace

import numpy as np

from . import media
from .regions import Box, ManualRegion
from .tracking import follow_patch

# Frames are tracked at most this wide (a box needs no more detail to be followed), and a range's
# frames are held in at most FRAME_BUDGET bytes of luma (following back needs them all): a long
# range is tracked smaller rather than running a worker out of memory.
TRACK_WIDTH = 640
MIN_TRACK_WIDTH = 160
FRAME_BUDGET = 256 * 1024 * 1024
# Each tracked box grows by this share of its size on every side: the tracker centres on the
# object's texture and can be a few pixels off its edge.
MARGIN = 0.1


def _frames(path: str | os.PathLike, width: int, height: int, first: int, last: int, source_pixels: int,
            duration: float = 0.0) -> list[np.ndarray]:
    """The luma of frames first..last at width x height, through the pipeline's decoder."""
    frame_bytes = width * height * 3 // 2
    out: list[np.ndarray] = []
    with tempfile.TemporaryFile() as err:
        decoder = media.StreamingRun(
            media.decoder_command(path, width, height, source_pixels=source_pixels),
            media.limits_for(duration), stderr=err, buffered=False,
        )
        try:
            for idx in range(last + 1):
                buf = decoder.stdout.read(frame_bytes)
                while buf is not None and 0 < len(buf) < frame_bytes:
                    more = decoder.stdout.read(frame_bytes - len(buf))
                    if not more:
                        break
                    buf += more
                if not buf or len(buf) < frame_bytes:
                    break
                if idx >= first:
                    out.append(np.frombuffer(buf, np.uint8, count=width * height).reshape(height, width))
        finally:
            decoder.close()
    return out


def _follow(frames: list[np.ndarray], start: int, stop: int, box: Box) -> dict[int, Box]:
    """Follow `box` (on frames[start]) to frames[stop] inclusive, either direction, with the
    pipeline's own patch follower; frames after it lost the object are left out."""
    step = 1 if stop >= start else -1
    seq = frames[start:stop + 1] if step > 0 else frames[stop:start + 1][::-1]
    found: dict[int, Box] = {start: box}
    for n, b in enumerate(follow_patch(seq, box), start=1):
        found[start + step * n] = tuple(float(v) for v in b)
    return found


def _union(boxes) -> Box:
    boxes = list(boxes)
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def track_region(path: str | os.PathLike, region: ManualRegion, info: media.VideoInfo | None = None) -> ManualRegion:
    """`region` with a box on every frame of its range (in source pixels), followed from its
    keyframes through the video at `path`."""
    info = info or media.probe(path)
    first, last = region.start_frame, region.end_frame
    count = last - first + 1
    scale = min(1.0, TRACK_WIDTH / info.width, (FRAME_BUDGET / count / (info.width * info.height)) ** 0.5)
    scale = max(scale, min(1.0, MIN_TRACK_WIDTH / info.width))
    width, height = media.output_size(info.width, info.height, int(round(info.height * scale)))
    sx, sy = width / info.width, height / info.height
    frames = _frames(path, width, height, first, last, info.width * info.height, info.duration)
    if not frames:
        return region
    last = first + len(frames) - 1
    anchors = [k for k in region.keyframes if first <= k[0] <= last]
    tracked: dict[int, list[Box]] = {}
    for n, (frame, *box) in enumerate(anchors):
        small = (box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy)
        back_to = anchors[n - 1][0] if n else first
        ahead_to = anchors[n + 1][0] if n + 1 < len(anchors) else last
        for direction_to in (back_to, ahead_to):
            for i, b in _follow(frames, frame - first, direction_to - first, small).items():
                tracked.setdefault(i + first, []).append((b[0] / sx, b[1] / sy, b[2] / sx, b[3] / sy))
    boxes: dict[int, Box] = {}
    for f in range(region.start_frame, region.end_frame + 1):
        own = tracked.get(f, [])
        if not own or anchors and anchors[0][0] <= f <= anchors[-1][0]:
            own = own + [region.box_at(f)]  # lost, or between keyframes: the straight line too
        x1, y1, x2, y2 = _union(own)
        mx, my = (x2 - x1) * MARGIN, (y2 - y1) * MARGIN
        boxes[f] = (
            round(max(0.0, x1 - mx), 1), round(max(0.0, y1 - my), 1),
            round(min(float(info.width), x2 + mx), 1), round(min(float(info.height), y2 + my), 1),
        )
    return replace(region, frames=boxes)


def track_regions(path: str | os.PathLike, regions) -> list[ManualRegion]:
    """Every region (dicts as `ManualRegion.from_dict` takes them, or regions) followed through the video."""
    regions = [r if isinstance(r, ManualRegion) else ManualRegion.from_dict(r, i) for i, r in enumerate(regions)]
    if not regions:
        return []
    info = media.probe(path)
    return [track_region(path, r, info) for r in regions]
