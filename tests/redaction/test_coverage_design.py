"""Faces the first pass leaves visible: what a track adopts from a detection, and how far its
hidden region reaches, when the detector sees less of a face than is there."""
from __future__ import annotations

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
