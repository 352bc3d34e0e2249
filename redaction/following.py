"""The follow stage: closer looks around tracked faces, tracking, and following new tracks back
in time and missed ones forward; between keyframes, faces that are new, missed or moving fast are
looked for on their own."""
from __future__ import annotations

import queue
import threading
import time
from collections import Counter

from .errors import RedactionError
from .stages import END, get, put


class DetailFrames:
    """Every Kth frame at source resolution, from the decoder's second output, handed to the
    keyframe it belongs to (or None where there is none)."""

    def __init__(self, q: queue.Queue | None, every: int, stop: threading.Event):
        self._q, self._every, self._stop = q, every, stop
        self._done = q is None

    def for_frame(self, idx: int):
        if self._done or idx % self._every:
            return None
        item = get(self._q, self._stop)
        if item is END:
            self._done = True
            return None
        if item[0] != idx:
            raise RedactionError(f"detail frame {item[0]} arrived for keyframe {idx}")
        return item[1]


def _height(box) -> float:
    return box[3] - box[1]


def follow_faces(scanned_in: queue.Queue, ready_out: queue.Queue, stop: threading.Event, *, keyframes, tracker,
                 camera, recent, detail: DetailFrames, settings, every: int, timings: Counter) -> None:
    """(idx, frame, whole, motion) in; (idx, frame, {frame: [(track, box)]} or None, cues) out."""
    while (item := get(scanned_in, stop)) is not END:
        idx, frame, whole, motion = item
        recent.add(idx, frame)
        camera.add(idx, motion)
        dets = cues = None
        t0 = time.monotonic()
        # Closer looks where due faces are expected (a few a frame, the most overdue first), and
        # the wide pass where one is too large for those or seen once only (with no velocity
        # yet, it may be anywhere near).
        due = tracker.due(idx, every) if whole is None else []
        # A weak sighting gets its second look on the next frame, before a small fast face has
        # moved out of the look's reach.
        weak = tracker.waiting(idx, settings.refine_candidates) if whole is None else []
        expected = []
        if due:
            predicted = list(zip(due, tracker.predict_all(due, idx)))
            large = [t for t, box in predicted if _height(box) >= settings.refine_below_px]
            small = [(t, box) for t, box in predicted if all(t is not b for b in large)]
            close = [t for t, _ in small[: settings.refine_between]]
            expected = [tuple(box) for _, box in small[: settings.refine_between]]
            wide = bool(large) or any(t.hits == 1 for t, _ in small)
            due = close + large + [t for t, _ in small[settings.refine_between:] if wide and t.hits == 1]
            whole = keyframes.whole(frame, "tracks") if wide else keyframes.none("tracks")
        elif weak:
            whole = keyframes.none("weak sightings")
        if whole is not None:
            if due or weak:
                found = keyframes.closer(frame, whole, expected, weak)
            else:
                found = keyframes.closer(
                    frame, whole,
                    [tuple(b) for b in tracker.predict_all(tracker.tracks, idx)],
                    [tuple(c.box) for c in tracker.candidates],  # likeliest first
                    [tuple(t.last_known()[1]) for t in tracker.lost],
                    detail=detail.for_frame(idx),
                    ahead=tracker.out_of_sight(idx),
                )
            dets = tracker.update(idx, found, looked={t.id for t in due} if due or weak else None, confirm=bool(weak))
            recent.follow_births(tracker, dets, settings.follow_min_score)
            recent.follow_misses(tracker, idx, dets, settings.follow_min_score)
            cues = tracker.cues
            timings["detect_s"] += time.monotonic() - t0
            timings["detections"] += 1
        put(ready_out, (idx, frame, dets, cues), stop)
    put(ready_out, END, stop)
