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
from .stages import END, Stopped, get, put


class SweepsAhead:
    """The enlarged sweeps of keyframes known in advance (`KeyframeDetector.sweeps_ahead`), made
    on a thread of their own from when their frame is decoded until the scan stage reaches it.

    A sweep costs as much as a few dozen frames of the rest of the scan stage; made in line, it
    held that stage, and the stages after it soon ran out of frames while a core stood idle.
    The results are the ones the scan stage would have made itself.
    """

    def __init__(self, keyframes, every: int, stop: threading.Event, timings: Counter):
        self._keyframes, self._stop, self._timings = keyframes, stop, timings
        self.period = keyframes.sweeps_ahead(every)
        self._todo: queue.Queue = queue.Queue(maxsize=2)
        self._done: dict[int, list] = {}
        self._ready = threading.Condition()

    def decoded(self, frames):
        """`frames` ((idx, frame) pairs) passed through, each one a sweep falls on handed to
        `run` first."""
        for idx, frame in frames:
            if self.due(idx):
                put(self._todo, (idx, frame), self._stop)
            yield idx, frame
        put(self._todo, END, self._stop)

    def due(self, idx: int) -> bool:
        return self.period > 0 and idx % self.period == 0

    def run(self) -> None:
        """The sweep thread's body."""
        while (item := get(self._todo, self._stop)) is not END:
            idx, frame = item
            t0 = time.monotonic()
            dets = self._keyframes.enlarged(frame)
            self._timings["sweep_ahead_s"] += time.monotonic() - t0
            with self._ready:
                self._done[idx] = dets
                self._ready.notify_all()

    def take(self, idx: int) -> list:
        """Frame `idx`'s sweep, waiting for it if it is still being made."""
        with self._ready:
            while idx not in self._done:
                if self._stop.is_set():
                    raise Stopped
                self._ready.wait(timeout=0.2)
            return self._done.pop(idx)


def scan_keyframes(frames_in: queue.Queue, scanned_out: queue.Queue, stop: threading.Event, *, keyframes,
                   width: int, height: int, every: int, room: float, timings: Counter,
                   ahead: SweepsAhead | None = None) -> None:
    """(idx, frame) in; (idx, frame, whole-frame detections or None, motion) out. `room` is how far
    the picture may move between keyframes (pixels) before a frame becomes one. Sweeps `ahead`
    made are taken from there."""
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
            # Frames a sweep falls on are every-Kth keyframes, whatever else they are.
            swept = ahead.take(idx) if ahead is not None and ahead.due(idx) else None
            timings["sweep_wait_s"] += time.monotonic() - t0
            whole = keyframes.whole(frame, kind, swept=swept)
            timings["scan_s"] += time.monotonic() - t0
        put(scanned_out, (idx, frame, whole, motion), stop)
        pending = nxt
    put(scanned_out, END, stop)
