"""Faces the first pass leaves visible: what a track adopts from a detection, and how far its
hidden region reaches, when the detector sees less of a face than is there."""
from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from redaction.detector import Detection
from redaction.hiding import grid_margin, head_box
from redaction.pipeline import RedactionSettings
from redaction.tracking import Tracker, TrackerConfig

from .test_margins import HEIGHT, WIDTH, _covers


def _walking(key):
    """A 40 px face walking right 6 px a frame."""
    return (500.0 + 6 * key, 300.0, 532.0 + 6 * key, 340.0)


def _part(face, which: str):
    x1, y1, x2, y2 = face
    h = y2 - y1
    return {
        "upper": (x1, y1, x2, y1 + 0.6 * h),
        "lower": (x1 + 4, y1 + 0.5 * h, x2 - 4, y2),
        "left": (x1, y1 + 0.2 * h, x1 + 0.5 * (x2 - x1), y2 - 0.2 * h),
        "right": (x1 + 0.5 * (x2 - x1), y1 + 0.2 * h, x2, y2 - 0.2 * h),
    }[which]


def _tracked_walking_face() -> Tracker:
    tracker = Tracker(TrackerConfig(), WIDTH, HEIGHT)
    for key in (0, 5, 10, 15, 20, 21, 22):
        tracker.update(key, [Detection(*_walking(key), 0.9)])
    return tracker


@pytest.mark.parametrize("which", ["upper", "lower", "left"])
def test_a_face_whose_closer_looks_find_only_a_part_of_it_several_times_running_stays_covered_whole(which):
    tracker = _tracked_walking_face()
    off = grid_margin(WIDTH, RedactionSettings().detect_width)
    for key in (23, 24, 25, 26):
        out = tracker.update(key, [Detection(*_part(_walking(key), which), 0.5)])
        (_, box), = out[key]
        hidden = head_box(box, WIDTH, HEIGHT, edge_px=off)
        assert _covers(hidden, _walking(key)), f"frame {key}: {hidden} leaves part of {_walking(key)} out"


def test_a_track_keeps_the_whole_face_as_its_box_when_a_look_finds_a_part_and_its_size_when_seen_whole_again():
    tracker = _tracked_walking_face()
    tracker.update(23, [Detection(*_part(_walking(23), "upper"), 0.5)])
    (track,) = tracker.tracks
    face = _walking(23)
    assert track.box[3] - track.box[1] > 0.9 * (face[3] - face[1])
    assert tracker.cues[(23, track.id)] == "detected in part"
    out = tracker.update(24, [Detection(*_walking(24), 0.9)])
    assert tuple(track.box) == pytest.approx(_walking(24))
    assert tracker.cues[(24, track.id)] == "detected"
    (_, box), = out[24]
    assert box == pytest.approx(_walking(24))


def _fast_then_stopped(key):
    """A 16 px face moving right 8 px a frame up to frame 22, where it stops."""
    x = 400.0 + 8 * min(key, 22)
    return (x, 300.0, x + 16, 320.0)


def test_a_small_fast_face_that_stops_while_looks_find_only_a_part_of_it_stays_covered():
    tracker = Tracker(TrackerConfig(), WIDTH, HEIGHT)
    for key in (0, 5, 10, 15, 20, 21, 22):
        tracker.update(key, [Detection(*_fast_then_stopped(key), 0.9)])
    off = grid_margin(WIDTH, RedactionSettings().detect_width)
    for key in (23, 24, 25):
        out = tracker.update(key, [Detection(*_part(_fast_then_stopped(key), "right"), 0.5)])
        (_, box), = out[key]
        hidden = head_box(box, WIDTH, HEIGHT, edge_px=off)
        assert _covers(hidden, _fast_then_stopped(key)), f"frame {key}: {hidden} leaves part of {_fast_then_stopped(key)} out"


class SquaresDetector:
    """A detector as the first pass sees a busy picture with one small, fast, hard face in it:
    squares of one colour each, found as CenterFace finds what they stand for.

    - red: the hard face, too small for the wide pass, weakly seen by the sweep, clearly seen
      by a closer look;
    - blue: patterns the whole-frame passes score above the face, which a closer look dismisses;
    - green: faces tracked already, not surely enough to spare them their closer looks, more of
      them than a keyframe has looks for.
    A closer look is told from a whole-frame pass by its input: a square no larger than
    `refine_max_input`."""

    runtime, model_sha256, family, software = "test", "0" * 64, {"name": "squares"}, {}

    def __init__(self, settings: RedactionSettings):
        self.closer_side = settings.refine_max_input

    def expect_shapes(self, shapes):
        pass

    def detect(self, rgb, threshold=0.0):
        h, w = rgb.shape[:2]
        closer = w == h and w <= self.closer_side
        found = []
        for channel, whole_score, closer_score in ((0, 0.2 if w >= 1280 else 0.0, 0.9), (2, 0.3, 0.05), (1, 0.5, 0.5)):
            score = closer_score if closer else whole_score
            others = [c for c in range(3) if c != channel]
            mask = ((rgb[..., channel] > 200) & (rgb[..., others[0]] < 60) & (rgb[..., others[1]] < 60)).astype(np.uint8)
            count, _, stats, _ = cv2.connectedComponentsWithStats(mask)
            for x, y, bw, bh, area in stats[1:count]:
                if area >= 9 and score >= threshold:
                    found.append(Detection(float(x), float(y), float(x + bw), float(y + bh), score))
        return found


def test_a_small_fast_face_seen_weakly_on_a_busy_keyframe_is_looked_at_again_in_time_and_hidden(tmp_path):
    # A 1080p source: 16 px tall and 9 px a frame in the 720p copy. By the next keyframe it is
    # 45 px on, out of a closer look's reach. On the keyframes that see it, patterns scored above
    # it and tracked faces wanting their looks would take every look; it must still get one
    # before it has moved on (and being so small, once tracked, in the source's own 1080p frame).
    from redaction import redact_video
    from redaction.regions_log import RegionsLog

    from .test_motion import write_clip

    settings = RedactionSettings()
    frames, face = [], []
    patterns = [(150 + 270 * i, 120) for i in range(settings.refine_candidates + 1)]
    tracked = [(150 + 165 * i, 900) for i in range(settings.refine_max + 2)]
    for n in range(75):
        frame = np.full((1080, 1920, 3), 128, np.uint8)
        for x, y in patterns:
            frame[y:y + 30, x:x + 30] = (255, 0, 0)  # BGR: blue
        for x, y in tracked:
            frame[y:y + 30, x:x + 24] = (0, 255, 0)
        x = 150 + 27 * n // 2
        frame[510:534, x:x + 21] = (0, 0, 255)
        face.append((x / 1.5, 510 / 1.5, (x + 21) / 1.5, 534 / 1.5))  # in the copy's pixels
        frames.append(frame)
    src, out, log_path = tmp_path / "busy.mp4", tmp_path / "out.mp4", tmp_path / "regions.json"
    write_clip(src, frames, (1920, 1080))
    redact_video(src, out, log_path=log_path, settings=settings, detector=SquaresDetector(settings))
    log = RegionsLog.from_dict(json.loads(log_path.read_text()))

    hidden = {}
    for track in log.tracks:
        for f, *box in track.frames:
            hidden.setdefault(f, []).append(box)
    covered = [f for f, box in enumerate(face) if any(_covers(b, box) for b in hidden.get(f, []))]
    # The first keyframe's second looks go to the patterns scored above it; a look dismisses
    # them, and the next keyframe's go to the face: hidden from there on, on every frame.
    assert covered == list(range(settings.detect_every, len(face)))
    assert log.detector["passes"]["refine_detail"] > 0
    copy = [(x / 1.5, y / 1.5, (x + 30) / 1.5, (y + 30) / 1.5) for x, y in patterns]
    assert not any(_covers(b, p) for p in copy for boxes in hidden.values() for b in boxes)
