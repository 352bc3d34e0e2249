"""A reviewer's decisions about regions: boxes added by hand (over a frame range, linearly
interpolated between keyframes), and automatic tracks left unhidden, recognised by where they were.
"""
from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Mapping

if TYPE_CHECKING:
    import numpy as np

Box = tuple[float, float, float, float]

# An automatic box is the marked face when it overlaps the mark's box on that frame this much.
# The same pipeline on the same machine gives the same boxes (overlap 1.0); another version or
# another CPU's arithmetic moves them by a few pixels.
SPARE_MIN_IOU = 0.5


@dataclass(frozen=True)
class ManualRegion:
    """Keyframes are (frame, x1, y1, x2, y2) in the input video's displayed pixel coordinates.

    Before the first keyframe and after the last one (within start..end) the nearest keyframe's
    box holds, unless `frames` (frame -> box, as `manual_tracking` follows the object) gives it.
    """

    start_frame: int
    end_frame: int
    keyframes: tuple[tuple[int, float, float, float, float], ...]
    id: str = ""
    reason: str = ""
    frames: Mapping[int, Box] | None = field(default=None, compare=False, hash=False)

    @classmethod
    def from_dict(cls, data: dict, index: int = 0) -> "ManualRegion":
        keys = tuple(sorted((int(k[0]), *map(float, k[1:5])) for k in data["keyframes"]))
        if not keys:
            raise ValueError("a manual region needs at least one keyframe")
        start = int(data.get("start_frame", keys[0][0]))
        end = int(data.get("end_frame", keys[-1][0]))
        if end < start:
            raise ValueError(f"manual region ends (frame {end}) before it starts (frame {start})")
        return cls(start, end, keys, str(data.get("id") or f"m{index + 1}"), str(data.get("reason", "")))

    def box_at(self, frame: int) -> Box | None:
        if not self.start_frame <= frame <= self.end_frame:
            return None
        if self.frames and frame in self.frames:
            return self.frames[frame]
        frames = [k[0] for k in self.keyframes]
        i = bisect.bisect_right(frames, frame)
        if i == 0:
            return self.keyframes[0][1:]
        if i == len(frames):
            return self.keyframes[-1][1:]
        (f0, *a), (f1, *b) = self.keyframes[i - 1], self.keyframes[i]
        t = (frame - f0) / (f1 - f0)
        return tuple(p * (1 - t) + q * t for p, q in zip(a, b))

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "start_frame": self.start_frame,
            "end_frame": self.end_frame,
            "keyframes": [list(k) for k in self.keyframes],
            "reason": self.reason,
        }


def iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _overlaps(a, b):
    """The intersection of every box of `a` (N x 4) with every box of `b` (M x 4), as an N x M
    array, and each box's area (N, M)."""
    import numpy as np  # here, not at the top: the web image reads regions without numpy
    a = np.asarray(a, dtype=float).reshape(-1, 4)
    b = np.asarray(b, dtype=float).reshape(-1, 4)
    ix = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0.0, None)
    iy = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0.0, None)
    return ix * iy, (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]), (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])


def iou_matrix(a, b) -> np.ndarray:
    """`iou` of every box of `a` (N x 4) with every box of `b` (M x 4), as an N x M array: one
    pass over a crowd's hundreds of faces instead of a Python call per pair."""
    import numpy as np
    inter, area_a, area_b = _overlaps(a, b)
    union = area_a[:, None] + area_b[None, :] - inter
    out = np.zeros_like(inter)
    np.divide(inter, union, out=out, where=union > 0)
    return out


def inside_matrix(a, b) -> np.ndarray:
    """The share of each box of `a` (N x 4) that lies inside each box of `b` (M x 4), N x M."""
    import numpy as np
    inter, area_a, _ = _overlaps(a, b)
    out = np.zeros_like(inter)
    np.divide(inter, area_a[:, None], out=out, where=area_a[:, None] > 0)
    return out


@dataclass(frozen=True)
class TrackMark:
    """An automatic track a reviewer decided to leave unhidden (a false detection, or an official
    acting in public), held as its boxes in the render the reviewer saw, not by its number.

    Tracks are numbered in order of detection. Another pipeline version, or a worker whose CPU
    rounds differently, may number the same faces differently in the next render; a decision kept
    by number would then leave someone else's face unhidden. The boxes say which face was meant.
    """

    id: str
    boxes: Mapping[int, Box]  # frame -> the track's box as hidden, in release-copy pixels

    @classmethod
    def from_frames(cls, id: str, frames: Iterable) -> "TrackMark":
        """From a regions log track's `frames`: [[frame, x1, y1, x2, y2], ...]."""
        return cls(str(id), {int(f[0]): tuple(float(v) for v in f[1:5]) for f in frames})


def spared_boxes(boxes: Mapping[int, Box], marks: Iterable[TrackMark], frame: int) -> dict[int, str]:
    """Which of one frame's automatic boxes (by track id) the marks leave unhidden, and by which mark.

    Each mark spares at most one box on a frame: the one overlapping its own box there most, by at
    least SPARE_MIN_IOU. Every other box stays hidden, so a mark that no longer finds its face makes
    the release copy hide more, never less.
    """
    spared: dict[int, str] = {}
    for mark in marks:
        own = mark.boxes.get(frame)
        if own is None:
            continue
        best, best_iou = None, SPARE_MIN_IOU
        for track_id, box in boxes.items():
            overlap = iou(own, box)
            if overlap >= best_iou:
                best, best_iou = track_id, overlap
        if best is not None:
            spared.setdefault(best, mark.id)
    return spared


def match_marks(tracks: Iterable, marks: Iterable[TrackMark]) -> dict[int, Counter]:
    """For the tracks of a regions log (`TrackRecord`s): per track id, how many of its frames
    each mark spares."""
    marks = list(marks)
    by_frame: dict[int, dict[int, Box]] = defaultdict(dict)
    for track in tracks:
        for f, *box in track.frames:
            by_frame[f][track.id] = tuple(box[:4])
    spared: dict[int, Counter] = defaultdict(Counter)
    if marks:
        for f, boxes in by_frame.items():
            for track_id, mark_id in spared_boxes(boxes, marks, f).items():
                spared[track_id][mark_id] += 1
    return dict(spared)


def frame_ranges(frames: Iterable[int]) -> list[list[int]]:
    """[[first, last], ...] runs of consecutive frame numbers."""
    runs: list[list[int]] = []
    for f in sorted(frames):
        if runs and f == runs[-1][1] + 1:
            runs[-1][1] = f
        else:
            runs.append([f, f])
    return runs
