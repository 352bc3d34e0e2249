"""Fast unit tests of hiding, manual regions, tracking and the detector's model loading."""
from __future__ import annotations

import numpy as np
import pytest

from footage.redaction.detector import FaceDetector, model_path, nms
from footage.redaction.hiding import blur_sigma_for, hide, pad_box, planes
from footage.redaction.regions import ManualRegion
from footage.redaction.tracking import Tracker, TrackerConfig
from footage.redaction.detector import Detection


def textured_frame(w=320, h=240):
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, w * h * 3 // 2, dtype=np.uint8)


def test_blur_uses_a_sigma_of_at_least_a_sixth_of_the_face_height():
    face = (100, 100, 140, 160)  # 60 px tall
    padded = pad_box(face, 1280, 720)
    assert blur_sigma_for(padded) >= 60 / 6


def test_blur_removes_detail_inside_the_box_only():
    frame = textured_frame()
    y_before = planes(frame.copy(), 320, 240)[0].astype(np.float32)
    hide(frame, 320, 240, [(40, 40, 120, 140)], "blur")
    y = planes(frame, 320, 240)[0].astype(np.float32)
    assert y[40:140, 40:120].std() < 0.2 * y_before[40:140, 40:120].std()
    assert np.array_equal(y[150:, :], y_before[150:, :])


def test_fill_paints_the_box_black():
    frame = textured_frame()
    hide(frame, 320, 240, [(10, 10, 50, 50)], "fill")
    y, u, v = planes(frame, 320, 240)
    assert (y[10:50, 10:50] == 16).all() and (u[5:25, 5:25] == 128).all()


def test_hide_rejects_an_unknown_mode():
    with pytest.raises(ValueError):
        hide(textured_frame(), 320, 240, [(0, 0, 10, 10)], "mosaic")


def test_a_manual_region_is_interpolated_between_keyframes_and_ends():
    r = ManualRegion.from_dict({"start_frame": 5, "end_frame": 30, "keyframes": [(10, 0, 0, 10, 10), (20, 10, 20, 30, 40)]})
    assert r.box_at(4) is None and r.box_at(31) is None
    assert r.box_at(5) == (0, 0, 10, 10)
    assert r.box_at(15) == pytest.approx((5, 10, 20, 25))
    assert r.box_at(30) == (10, 20, 30, 40)


def test_tracks_are_interpolated_padded_before_and_coast_after():
    tr = Tracker(TrackerConfig(pad_before=3, pad_after=10, pad_after_established=10), 1000, 1000)
    out = tr.update(10, [Detection(100, 100, 150, 160, 0.9)])
    assert sorted(out) == [7, 8, 9, 10]
    out = tr.update(15, [Detection(110, 100, 160, 160, 0.9)])
    assert out[12][0][1][0] == pytest.approx(104)
    out = tr.update(20, [])  # missed: coasts on its velocity
    assert 20 in out and out[20][0][1][0] > 110
    tr.update(25, [])
    out = tr.update(30, [])
    assert not any(f > 25 for f in out)  # gone 10 frames after its last detection


def test_the_detector_loads_the_shipped_model_on_the_cpu():
    d = FaceDetector()
    assert model_path().name == "centerface.onnx"
    assert d.session.get_providers() == ["CPUExecutionProvider"]
    assert len(d.model_sha256) == 64
    assert d.detect(np.zeros((96, 128, 3), np.uint8)) == []


def test_nms_keeps_the_stronger_of_two_overlapping_boxes():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], np.float32)
    assert sorted(nms(boxes, np.array([0.5, 0.9, 0.7]), 0.3)) == [1, 2]
