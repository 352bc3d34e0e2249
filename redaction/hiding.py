"""Hiding regions of a YUV 4:2:0 frame: a solid fill or a heavy Gaussian blur.

Frames stay in the decoder's planar YUV 4:2:0 layout from decode to encode, so no colour
conversion of whole frames is ever done; only the regions are touched.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

from .detector import OUTPUT_STRIDE

MODES = ("blur", "fill")
# Sigma as a share of the hidden box's larger side. The box is the face padded ~1.45x, so this is
# about a third of the face height: well above the required sixth, and far from a light blur.
BLUR_SIGMA_SHARE = 0.22
_SMALL_SIGMA = 2.0  # blur at a reduced size where the sigma in that size is about this


def pad_box(box, width: int, height: int, *, grow_w: float = 1.45, grow_h: float = 1.5):
    """Enlarge a detector box to cover hair, ears and chin; a bit more upward than downward."""
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2 - 0.05 * h
    nw, nh = w * grow_w, h * grow_h
    return (
        max(0.0, cx - nw / 2),
        max(0.0, cy - nh / 2),
        min(float(width), cx + nw / 2),
        min(float(height), cy + nh / 2),
    )


def grid_margin(width: int, detect_width: int) -> float:
    """How far a face box's edges may be off, in pixels of a frame `width` wide, when the box was
    found by the wide pass at `detect_width`: half a cell of the detector's output grid."""
    return OUTPUT_STRIDE / 2 * width / min(detect_width, width)


def head_box(box, width: int, height: int, *, grow_w: float = 1.45, grow_h: float = 1.5, profile_w: float = 1.15,
             edge_px: float = 0.0):
    """The head around a detector's face box, hair, ears and chin included: `pad_box`, and at
    least `profile_w` times the face's height wide.

    A face turned to profile gives a narrow box over the cheek and ear or over the nose and
    eye, and which of the two the box leaves out cannot be told from the box: the head is widened
    on both sides to about its depth from nose tip to the back of the ear.

    `edge_px` more on every side: how far a box's edges may be off whatever the face's size (the
    detector places them on its own coarse grid), a share of a small face that the growth by
    factors leaves uncovered."""
    x1, y1, x2, y2 = pad_box(box, width, height, grow_w=grow_w, grow_h=grow_h)
    h = box[3] - box[1]
    cx = (box[0] + box[2]) / 2
    half = max((box[2] - box[0]) * grow_w, h * profile_w) / 2
    return (max(0.0, min(x1, cx - half) - edge_px), max(0.0, y1 - edge_px),
            min(float(width), max(x2, cx + half) + edge_px), min(float(height), y2 + edge_px))


def planes(frame: np.ndarray, width: int, height: int):
    """Views of the Y, U and V planes of a flat I420 frame buffer."""
    n = width * height
    y = frame[:n].reshape(height, width)
    u = frame[n:n + n // 4].reshape(height // 2, width // 2)
    v = frame[n + n // 4:n + n // 2].reshape(height // 2, width // 2)
    return y, u, v


def _blur_roi(plane: np.ndarray, x1: int, y1: int, x2: int, y2: int, sigma: float) -> None:
    """Blur `plane[y1:y2, x1:x2]` in place with a Gaussian of at least `sigma`; only that
    rectangle changes, though its surroundings may be read."""
    plane[y1:y2, x1:x2] = _blurred(plane, x1, y1, x2, y2, sigma)


def _blurred(plane: np.ndarray, x1: int, y1: int, x2: int, y2: int, sigma: float) -> np.ndarray:
    """`plane[y1:y2, x1:x2]` blurred with a Gaussian of at least `sigma` (a new array); its
    surroundings may be read."""
    roi = plane[y1:y2, x1:x2]
    h, w = roi.shape
    if h < 2 or w < 2:
        return np.full_like(roi, int(roi.mean()) if roi.size else 0)
    k = int(sigma / _SMALL_SIGMA)
    if k < 2:
        return cv2.GaussianBlur(roi, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    # Shrink by a whole factor k, blur, and enlarge again. A whole factor takes OpenCV's fast
    # path for area shrinking (a third of the time of a fractional one), so the shrunk area is the
    # rectangle grown to multiples of k, over the neighbouring pixels (or inward at an edge).
    sw, sh = -(-w // k), -(-h // k)
    ex1, ey1 = _grown_start(x1, sw * k, plane.shape[1]), _grown_start(y1, sh * k, plane.shape[0])
    area = plane[ey1:ey1 + sh * k, ex1:ex1 + sw * k]
    if area.shape != (sh * k, sw * k):  # the plane is smaller than that: a fractional shrink
        area, ex1, ey1 = roi, x1, y1
    small = cv2.resize(area, (sw, sh), interpolation=cv2.INTER_AREA)
    # Area shrinking and linear enlarging only add smoothing, so the effective sigma in plane
    # pixels is at least `sigma`.
    small = cv2.GaussianBlur(small, (0, 0), sigma / k, borderType=cv2.BORDER_REFLECT)
    blurred = cv2.resize(small, (area.shape[1], area.shape[0]), interpolation=cv2.INTER_LINEAR)
    return blurred[y1 - ey1:y1 - ey1 + h, x1 - ex1:x1 - ex1 + w]


def _grown_start(start: int, length: int, limit: int) -> int:
    """Where a span of `length` that covers [start, ...) begins, kept inside [0, limit)."""
    return max(0, min(start, limit - length))


def hide(frame: np.ndarray, width: int, height: int, boxes, mode: str) -> None:
    """Hide each box (x1, y1, x2, y2 in luma pixels) of a flat I420 frame, in place."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    y, u, v = planes(frame, width, height)
    rects = []
    for box in boxes:
        # Chroma is subsampled by two: snap outward to even luma coordinates.
        x1 = max(0, int(math.floor(box[0])) & ~1)
        y1 = max(0, int(math.floor(box[1])) & ~1)
        x2 = min(width, (int(math.ceil(box[2])) + 1) & ~1)
        y2 = min(height, (int(math.ceil(box[3])) + 1) & ~1)
        if x2 - x1 >= 2 and y2 - y1 >= 2:
            rects.append((x1, y1, x2, y2))
    if mode == "fill":
        for x1, y1, x2, y2 in rects:
            y[y1:y2, x1:x2] = 16
            u[y1 // 2:y2 // 2, x1 // 2:x2 // 2] = 128
            v[y1 // 2:y2 // 2, x1 // 2:x2 // 2] = 128
        return
    if len(rects) >= CROWD_BOXES:
        _hide_crowd(y, u, v, rects)
        return
    for x1, y1, x2, y2 in rects:
        sigma = max(BLUR_SIGMA_SHARE * max(x2 - x1, y2 - y1), 2.0)
        _blur_roi(y, x1, y1, x2, y2, sigma)
        _blur_roi(u, x1 // 2, y1 // 2, x2 // 2, y2 // 2, sigma / 2)
        _blur_roi(v, x1 // 2, y1 // 2, x2 // 2, y2 // 2, sigma / 2)


# From this many boxes in a frame on, boxes of about one size are blurred together.
CROWD_BOXES = 6


def _hide_crowd(y: np.ndarray, u: np.ndarray, v: np.ndarray, rects) -> None:
    """Blur many boxes with a few passes: boxes are grouped by their sigma rounded up to a power
    of two, each group's bounding rectangle is blurred once, and each box is copied from it.
    Per-box blurs cost a crowd's hundreds of faces hundreds of small OpenCV calls a frame; this
    costs at most one pass over the frame per size step.

    Every box gets at least its own sigma (at most twice it). Groups go smallest sigma first,
    so where boxes of two groups overlap the stronger blur is written last."""
    groups: dict[float, list] = {}
    for r in rects:
        sigma = max(BLUR_SIGMA_SHARE * max(r[2] - r[0], r[3] - r[1]), 2.0)
        groups.setdefault(2.0 ** math.ceil(math.log2(sigma)), []).append(r)
    for sigma in sorted(groups):
        group = groups[sigma]
        X1, Y1 = min(r[0] for r in group), min(r[1] for r in group)
        X2, Y2 = max(r[2] for r in group), max(r[3] for r in group)
        for plane, s, sg in ((y, 1, sigma), (u, 2, sigma / 2), (v, 2, sigma / 2)):
            blurred = _blurred(plane, X1 // s, Y1 // s, X2 // s, Y2 // s, sg)
            for x1, y1, x2, y2 in group:
                a, b, c, d = x1 // s, y1 // s, x2 // s, y2 // s
                plane[b:d, a:c] = blurred[b - Y1 // s:d - Y1 // s, a - X1 // s:c - X1 // s]


def blur_sigma_for(box) -> float:
    """The sigma `hide` uses for a (padded) box; recorded in the regions log."""
    return max(BLUR_SIGMA_SHARE * max(box[2] - box[0], box[3] - box[1]), 2.0)
