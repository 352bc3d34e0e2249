"""The scan stage: keyframes, and the enlarged sweeps made ahead of it on a thread of their own."""
from __future__ import annotations

import collections
import queue
import threading

import numpy as np
import pytest

from redaction.detector import Detection
from redaction.errors import RedactionError
from redaction.pipeline import KeyframeDetector, RedactionSettings
from redaction.scanning import SweepsAhead, scan_keyframes
from redaction.stages import END, feed

W, H, EVERY = 1280, 720, 5


class FrameDetector:
    """Finds one face per picture, scored by the picture's redness, so each frame's
    detections are its own; records which thread looked at which input size."""

    def __init__(self):
        self.calls = []

    def detect(self, rgb, threshold=None):
        self.calls.append((threading.current_thread().name, rgb.shape[1::-1]))
        return [Detection(10, 10, 40, 50, float(rgb[..., 0].mean()) / 255)]

    def expect_shapes(self, shapes):
        pass


def frames(n: int) -> list:
    out = []
    for i in range(n):
        frame = np.full(W * H * 3 // 2, 128, np.uint8)
        # Another colour on every frame (the same luma: no shot cuts), so each frame's faces are its own.
        frame[W * H * 5 // 4:] = 100 + i
        out.append((i, frame))
    return out


def scan(n: int, *, ahead: bool) -> tuple[dict, FrameDetector, KeyframeDetector]:
    """Frame index -> whole-frame detections of a scan of `n` still frames."""
    detector = FrameDetector()
    keyframes = KeyframeDetector(detector, W, H, RedactionSettings())
    stop = threading.Event()
    q_in, q_out = queue.Queue(), queue.Queue()
    source = frames(n)
    sweeps = None
    if ahead:
        sweeps = SweepsAhead(keyframes, EVERY, stop, collections.Counter())
        source = sweeps.decoded(source)
        thread = threading.Thread(target=sweeps.run, name="sweep-ahead")
        thread.start()
    feeder = threading.Thread(target=feed, args=(q_in, source, stop), name="decode")
    feeder.start()
    scan_keyframes(q_in, q_out, stop, keyframes=keyframes, width=W, height=H, every=EVERY, room=1e9,
                   timings=collections.Counter(), ahead=sweeps)
    feeder.join()
    if ahead:
        thread.join()
    found = {}
    while (item := q_out.get()) is not END:
        idx, _, whole, _ = item
        if whole is not None:
            found[idx] = whole
    return found, detector, keyframes


def test_the_sweeps_of_kth_frames_are_made_ahead_on_another_thread_and_find_what_the_scan_would():
    # Two sweeps ahead (frames 0 and 30), and one on the last frame, a keyframe as the last.
    n = 2 * EVERY * RedactionSettings().sweep_every
    inline, inline_detector, _ = scan(n, ahead=False)
    made_ahead, detector, keyframes = scan(n, ahead=True)
    assert made_ahead == inline
    assert inline_detector.calls.count(("MainThread", keyframes.sweep_size)) == 3
    sweeps_by_thread = collections.Counter(t for t, size in detector.calls if size == keyframes.sweep_size)
    # The last frame is a keyframe only because it is the last: its sweep is made in line.
    assert sweeps_by_thread == {"sweep-ahead": 2, "MainThread": 1}
    assert keyframes.passes["sweep"] == 3


def test_a_sweep_made_ahead_for_a_keyframe_that_is_not_swept_is_refused():
    keyframes = KeyframeDetector(FrameDetector(), W, H, RedactionSettings())
    frame = frames(1)[0][1]
    keyframes.whole(frame)  # the first Kth frame is swept
    with pytest.raises(RedactionError, match="not swept"):
        keyframes.whole(frame, swept=[])
