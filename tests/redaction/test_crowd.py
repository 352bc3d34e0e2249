"""A crowd costs about what hiding it costs: many faces in a frame are all hidden, and the work per
frame (closer looks, blur passes, track matching) does not grow with the number of faces."""
from __future__ import annotations

import numpy as np
import pytest

from redaction import hiding
from redaction.detector import Detection
from redaction.hiding import hide, planes
from redaction.motion import CameraPath, Motion
from redaction.pipeline import RedactionSettings
from redaction.regions import iou, iou_matrix
from redaction.tracking import Track, Tracker, TrackerConfig
from tests.redaction.test_motion import (  # noqa: F401 - fixtures
    H, W, background, face_picture, gray_frames, media, paste, redact, scorer, unhidden_frames, write_clip,
)

PORTRAITS = ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg", "astronaut.png", "Tom_Hanks_54745.png"]


def test_a_crowd_of_forty_faces_is_hidden_on_every_frame_with_a_few_closer_looks_a_frame(media, scorer, tmp_path):
    pictures = [face_picture(media, name) for name in PORTRAITS]
    bg = background(13)
    frames, boxes = [], []
    # Eight by five faces of 44-56 px while the camera pans slowly right.
    for n in range(30):
        frame = bg[150:150 + H, 300 + 2 * n:300 + 2 * n + W].copy()
        here = []
        for i in range(40):
            row, col = divmod(i, 8)
            picture, face = pictures[i % len(pictures)]
            here.append(paste(frame, picture, face, 44 + 3 * (i % 5), 100 + 150 * col - 2 * n, 90 + 135 * row))
        frames.append(frame)
        boxes.append(here)
    src = tmp_path / "crowd.mp4"
    write_clip(src, frames)
    redacted, log = redact(src, tmp_path)
    original = gray_frames(src)
    left = {i: unhidden_frames(scorer, original, redacted, [b[i] for b in boxes]) for i in range(40)}
    assert left == {i: [] for i in range(40)}
    # The closer looks a frame are bounded by the schedule, not by how many faces want one.
    settings = RedactionSettings()
    passes = log["detector"]["passes"]
    looks = passes.get("refine", 0) + passes.get("refine_detail", 0) + passes.get("ahead", 0)
    between = log["detector"]["keyframes"].get("tracks", 0)  # keyframes for the faces that want a look
    full = sum(log["detector"]["keyframes"].values()) - between
    assert looks <= full * (settings.refine_max + settings.refine_ahead) + between * settings.refine_between


def test_looks_between_keyframes_go_to_a_few_faces_a_frame_the_most_overdue_first():
    tr = Tracker(TrackerConfig(), 1280, 720)
    # Twenty new faces (new faces want a look every frame or two), then one seen long ago.
    tr.update(0, [Detection(40 + 60 * i, 100, 80 + 60 * i, 150, 0.9) for i in range(20)])
    first = tr.due(2, 5, limit=3)
    assert len(first) == 3
    for t in first:  # looked at on frame 2 ...
        t.looked = 2
    second = tr.due(3, 5, limit=3)
    assert len(second) == 3 and not {t.id for t in first} & {t.id for t in second}  # ... the others come next
    assert len(tr.due(3, 5)) == 17


def test_a_crowds_boxes_carried_and_predicted_all_at_once_are_exactly_where_each_would_be_alone():
    rng = np.random.default_rng(7)
    # A camera that pans, shakes and zooms, with a cut, and holds only its last 40 frames.
    camera = CameraPath(W, H, frames=40)
    for f in range(60):
        camera.add(f, Motion(scale=float(1 + rng.normal(0, 0.01)), dx=float(rng.normal(0, 4)),
                             dy=float(rng.normal(0, 4)), cut=f == 35))
    tracker = Tracker(TrackerConfig(), W, H, camera=camera)
    tracks = []
    for i in range(200):
        x, y = rng.uniform(0, W - 60), rng.uniform(0, H - 60)
        size = rng.uniform(8, 60)
        tracks.append(Track(i + 1, np.array([x, y, x + size, y + size * 1.2]), int(rng.integers(10, 60)),
                            velocity=rng.normal(0, 2, 4)))
    for frame in (15, 40, 59, 70):
        assert tracker.predict_all(tracks, frame).tolist() == [tracker.predict(t, frame).tolist() for t in tracks]
    for t in tracks[:40]:
        ends = list(range(t.frame - 12, t.frame + 12))
        assert camera.carry_to(t.box, t.frame, ends).tolist() == [camera.carry(t.box, t.frame, e).tolist() for e in ends]


def test_a_crowd_is_blurred_in_a_pass_per_size_step_each_box_hidden_and_nothing_else_changed(monkeypatch):
    rng = np.random.default_rng(4)
    frame = rng.integers(0, 256, W * H * 3 // 2, dtype=np.uint8)
    before = [p.astype(np.float32) for p in planes(frame.copy(), W, H)]
    boxes = [(20 + 100 * (i % 12), 20 + 110 * (i // 12), 20 + 100 * (i % 12) + 40 + (i % 3) * 8,
              20 + 110 * (i // 12) + 52 + (i % 3) * 10) for i in range(72)]
    calls = []
    blur = hiding.cv2.GaussianBlur
    monkeypatch.setattr(hiding.cv2, "GaussianBlur", lambda *a, **k: calls.append(1) or blur(*a, **k))
    hide(frame, W, H, boxes, "blur")
    assert len(calls) <= 3 * 2  # three planes, two size steps, whatever the count of faces
    hidden = np.zeros((H, W), bool)
    for x1, y1, x2, y2 in boxes:
        hidden[y1:y2, x1:x2] = True
    for plane, old, s in zip(planes(frame, W, H), before, (1, 2, 2)):
        for x1, y1, x2, y2 in boxes:
            inside = (slice(y1 // s, y2 // s), slice(x1 // s, x2 // s))
            assert plane[inside].astype(np.float32).std() < 0.35 * old[inside].std()
        outside = ~hidden[::s, ::s]
        assert np.array_equal(plane[outside], old[outside].astype(np.uint8))


@pytest.mark.parametrize("seed", [1, 2])
def test_the_overlap_of_every_box_with_every_other_is_the_pairwise_one(seed):
    rng = np.random.default_rng(seed)
    a = [tuple(v) for v in np.sort(rng.uniform(0, 100, (7, 2, 2)), axis=1).reshape(7, 4)]
    b = [tuple(v) for v in np.sort(rng.uniform(0, 100, (5, 2, 2)), axis=1).reshape(5, 4)]
    b.append((10.0, 10.0, 10.0, 20.0))  # empty
    assert iou_matrix(a, b) == pytest.approx(np.array([[iou(x, y) for y in b] for x in a]))


def test_a_box_continued_off_the_edge_stops_once_the_face_is_confirmed_gone():
    config = TrackerConfig(pad_after_established=45, leave_frames=90)
    tr = Tracker(config, 1000, 600)
    for n, f in enumerate(range(0, 20, 5)):  # walking right at 1 px a frame, up to the edge
        tr.update(f, [Detection(925 + 5 * n, 300, 985 + 5 * n, 370, 0.9)])
    out = {}
    for f in range(20, 95, 5):  # then never seen again, though still half in view for a while
        out.update(tr.update(f, []))
    assert out and max(out) == 15 + config.pad_after_established  # coasted; not continued for leave_frames
