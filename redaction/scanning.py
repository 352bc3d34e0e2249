"""The scan stage: the camera's motion on every frame, and the whole-frame detector passes on each
keyframe, ahead of tracking (they need no tracks). Besides every Kth frame, a shot cut is a
keyframe, and so is a frame the picture has moved further since the last keyframe than a closer
look leaves room for (a fast pan, shake or zoom)."""
from __future__ import annotations

import queue
import threading
import time
from collections import Counter

from .motion import MotionEstimator
from .stages import END, get, put


def scan_keyframes(frames_in: queue.Queue, scanned_out: queue.Queue, stop: threading.Event, *, keyframes,
                   width: int, height: int, every: int, room: float, timings: Counter) -> None:
    """(idx, frame) in; (idx, frame, whole-frame detections or None, motion) out. `room` is how far
    the picture may move between keyframes (pixels) before a frame becomes one."""
    estimator = MotionEstimator(width, height)
    moved = 0.0  # how far the picture moved since the last keyframe
    pending = get(frames_in, stop)
    while pending is not END:
        nxt = get(frames_in, stop)
        idx, frame = pending
        t0 = time.monotonic()
        motion = estimator.next(frame[: width * height].reshape(height, width))
        timings["motion_s"] += time.monotonic() - t0
        moved += motion.speed(width, height)
        kind = None
        if idx % every == 0 or nxt is END:  # the last frame is a keyframe too
            kind = "every_kth"
        elif motion.cut:
            kind = "cut"
        elif moved > room:
            kind = "camera"
        whole = None
        if kind is not None:
            moved = 0.0
            t0 = time.monotonic()
            whole = keyframes.whole(frame, kind)
            timings["scan_s"] += time.monotonic() - t0
        put(scanned_out, (idx, frame, whole, motion), stop)
        pending = nxt
    put(scanned_out, END, stop)
