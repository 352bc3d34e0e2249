"""The camera's motion from frame to frame, and shot cuts, from small copies of the luma plane.

Tracked regions follow the picture between detections: a pan, a shake or a zoom moves every face
in the frame by the same shift and scale, whatever the faces themselves do. Corners of the small
previous frame are followed into the next by pyramidal optical flow, and a shift-and-scale (with
a rotation, which is dropped) is fitted to them by RANSAC, so a face or a passer-by moving on its
own does not pull the estimate. A frame the previous one cannot explain (its corners are not
found again, and its brightness histogram differs) is a shot cut.
"""
from __future__ import annotations

import collections
from dataclasses import dataclass

import cv2
import numpy as np

# The small copy is at least this wide, shrunk by a whole factor (OpenCV's fast path). Corners
# are placed to a fraction of its pixels, and that error adds up over the frames a box is carried:
# at half this width, tiny faces' boxes drifted off them between keyframes.
SMALL_WIDTH = 320


@dataclass(frozen=True)
class Motion:
    """Where the previous frame's content is in this one: x' = scale * (x - cx) + cx + dx."""

    scale: float = 1.0
    dx: float = 0.0
    dy: float = 0.0
    cut: bool = False

    def point(self, x: float, y: float, cx: float, cy: float) -> tuple[float, float]:
        return self.scale * (x - cx) + cx + self.dx, self.scale * (y - cy) + cy + self.dy

    def speed(self, width: int, height: int) -> float:
        """How far the picture's fastest-moving point (a corner) moved, in pixels."""
        grow = abs(self.scale - 1) * np.hypot(width, height) / 2
        return float(np.hypot(self.dx, self.dy) + grow)


STILL = Motion()


class MotionEstimator:
    """Feed it every frame's luma plane in order; it returns each frame's `Motion`."""

    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        k = max(1, width // SMALL_WIDTH)
        self.small = (max(16, width // k), max(16, height // k))
        self.k = width / self.small[0]
        self.prev: np.ndarray | None = None
        self.prev_hist: np.ndarray | None = None

    def next(self, luma: np.ndarray) -> Motion:
        small = cv2.resize(luma, self.small, interpolation=cv2.INTER_AREA)
        hist = cv2.calcHist([small], [0], None, [32], [0, 256])
        cv2.normalize(hist, hist)
        prev, prev_hist = self.prev, self.prev_hist
        self.prev, self.prev_hist = small, hist
        if prev is None:
            return STILL
        corners = cv2.goodFeaturesToTrack(prev, maxCorners=60, qualityLevel=0.01, minDistance=6, blockSize=5)
        # Too flat to say (a dark or blank picture): no motion is known, and a cut only shows in
        # the histogram.
        unlike = cv2.compareHist(prev_hist, hist, cv2.HISTCMP_CORREL) < 0.5
        if corners is None or len(corners) < 8:
            return Motion(cut=unlike)
        found, status, _ = cv2.calcOpticalFlowPyrLK(prev, small, corners, None, winSize=(13, 13), maxLevel=3)
        ok = status.ravel() == 1
        if ok.sum() < 6:
            return Motion(cut=True)
        fit, inliers = cv2.estimateAffinePartial2D(corners[ok], found[ok], method=cv2.RANSAC, ransacReprojThreshold=1.0)
        # Most of the picture moves as one unless the picture is another one; where its
        # brightness also changed, a weaker majority is enough to call it a cut.
        share = 0.0 if inliers is None else float(inliers.sum()) / len(corners)
        if fit is None or share < (0.5 if unlike else 0.25):
            return Motion(cut=True)
        a, b = float(fit[0, 0]), float(fit[1, 0])
        scale = float(np.hypot(a, b))
        cx, cy = self.small[0] / 2, self.small[1] / 2
        # The fit is x' = A x + t in small pixels; about the centre: x' = s (x - c) + c + d.
        dx = (float(fit[0, 2]) + (a - 1) * cx - b * cy) * self.k
        dy = (float(fit[1, 2]) + b * cx + (a - 1) * cy) * self.k
        return Motion(scale=scale, dx=dx, dy=dy)


class CameraPath:
    """The last frames' camera motion, to carry a box from one frame to another as the picture
    moved.

    Each frame's place is kept as a whole shift and scale from an arbitrary first frame
    (x_f = scale_f * (x - c) + c + shift_f), so carrying a box across any number of frames costs
    the same. Holds at most `frames` of them; a box is not moved from or to a frame it no longer
    (or never) had. A cut moves nothing: the new shot has its own picture."""

    def __init__(self, width: int, height: int, frames: int = 512):
        self.c = np.array([width / 2, height / 2])
        self.c4 = np.concatenate([self.c, self.c])
        # frame -> (scale, shift, the shift as a box's four sides): carrying hundreds of boxes a
        # frame in a crowd, building the four sides on every call cost more than the arithmetic.
        self.places: collections.OrderedDict[int, tuple[float, np.ndarray, np.ndarray]] = collections.OrderedDict()
        self.frames = frames

    def add(self, idx: int, motion: Motion) -> None:
        scale, shift, _ = self.places.get(idx - 1, (1.0, np.zeros(2), None))
        if not motion.cut:
            scale, shift = motion.scale * scale, motion.scale * shift + np.array([motion.dx, motion.dy])
        self.places[idx] = (scale, shift, np.concatenate([shift, shift]))
        while len(self.places) > self.frames:
            self.places.popitem(last=False)

    def carry(self, box, start: int, end: int) -> np.ndarray:
        """`box` as it was on frame `start`, moved with the picture to frame `end` (either way in
        time)."""
        box = np.asarray(box, dtype=float)
        a, b = self.places.get(start), self.places.get(end)
        if a is None or b is None or start == end:
            return box.copy()
        return self._moved(box, a[0], a[2], b[0], b[2])

    def _moved(self, boxes, a_scale, a_shift, b_scale, b_shift):
        """Boxes on a frame placed at (`a_scale`, `a_shift` as four sides), on a frame placed at
        `b`: the one formula behind `carry`, `carry_many` and `carry_to` (scales as scalars or
        N x 1 columns, shifts as four sides or N x 4 rows)."""
        return b_scale / a_scale * (boxes - self.c4 - a_shift) + self.c4 + b_shift

    def carry_many(self, boxes: np.ndarray, starts, end: int) -> np.ndarray:
        """Each row of `boxes` (N x 4) as it was on its frame of `starts`, moved with the picture
        to frame `end`: `carry` of every row at once, with the same arithmetic, so a crowd's
        hundreds of tracks cost one pass."""
        boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
        out = boxes.copy()
        b = self.places.get(end)
        if b is None or not len(boxes):
            return out
        known = [(i, self.places.get(s)) for i, s in enumerate(starts) if s != end]
        rows = [i for i, a in known if a is not None]
        if not rows:
            return out
        a_scale = np.array([a[0] for i, a in known if a is not None])[:, None]
        a_shift = np.array([a[2] for i, a in known if a is not None])
        out[rows] = self._moved(boxes[rows], a_scale, a_shift, b[0], b[2])
        return out

    def carry_to(self, box, start: int, ends) -> np.ndarray:
        """`box` as it was on frame `start`, moved with the picture to each frame of `ends`
        (len(ends) x 4): `carry` to every frame at once, with the same arithmetic."""
        box = np.asarray(box, dtype=float)
        a = self.places.get(start)
        places = [self.places.get(e) for e in ends]
        if a is not None and places and all(b is not None for b in places):  # the usual case: all held
            out = self._moved(box, a[0], a[2], np.array([b[0] for b in places])[:, None], np.array([b[2] for b in places]))
            if start in ends:
                out[[i for i, e in enumerate(ends) if e == start]] = box
            return out
        out = np.repeat(box[None, :], len(ends), axis=0)
        if a is None:
            return out
        found = [(i, b) for i, (e, b) in enumerate(zip(ends, places)) if e != start]
        rows = [i for i, b in found if b is not None]
        if not rows:
            return out
        b_scale = np.array([b[0] for i, b in found if b is not None])[:, None]
        b_shift = np.array([b[2] for i, b in found if b is not None])
        out[rows] = self._moved(box, a[0], a[2], b_scale, b_shift)
        return out

    def scale(self, start: int, end: int) -> float:
        """How much the picture grew from frame `start` to frame `end`."""
        a, b = self.places.get(start), self.places.get(end)
        return 1.0 if a is None or b is None else b[0] / a[0]
