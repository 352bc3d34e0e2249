"""Fast unit tests of hiding, manual regions, tracking and the detector's model loading."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from redaction.detector import _OUTPUTS, Bfloat16Shapes, FaceDetector, _load_model_bytes, model_path, nms
from redaction.onnx_graph import ModelFileError, message_field
from redaction.hiding import blur_sigma_for, hide, pad_box, planes
from redaction.regions import ManualRegion
from redaction.tracking import Tracker, TrackerConfig, follow_patch
from redaction.detector import Detection


ROOT = Path(__file__).resolve().parents[2]


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


@pytest.mark.parametrize("box", [
    (40, 40, 120, 140),  # inside the frame: its shrunk area reaches past the box
    (250, 170, 320, 240),  # in the bottom-right corner: that area is moved inward
    (0, 0, 320, 238),  # nearly the whole frame: no room to grow, shrunk as it is
    (100, 100, 118, 112),  # small: blurred directly
])
def test_blur_hides_each_plane_of_the_box_and_changes_nothing_outside_it(box):
    frame = textured_frame()
    before = [p.astype(np.float32) for p in planes(frame.copy(), 320, 240)]
    hide(frame, 320, 240, [box], "blur")
    x1, y1, x2, y2 = box
    for plane, old, s in zip(planes(frame, 320, 240), before, (1, 2, 2)):
        inside = (slice(y1 // s, y2 // s), slice(x1 // s, x2 // s))
        assert plane[inside].astype(np.float32).std() < 0.35 * old[inside].std()
        outside = np.ones(plane.shape, bool)
        outside[inside] = False
        assert np.array_equal(plane[outside], old[outside].astype(np.uint8))


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


def test_a_weak_detection_seen_again_becomes_a_track_reaching_back_to_its_first_sighting():
    tr = Tracker(TrackerConfig(pad_before=3), 1000, 1000)
    assert tr.update(10, [Detection(100, 100, 120, 124, 0.15)]) == {}  # too unsure to hide yet
    assert len(tr.candidates) == 1
    out = tr.update(15, [Detection(104, 100, 124, 124, 0.35)])
    assert sorted(out) == list(range(7, 16))  # from pad_before frames before the first sighting
    assert out[7][0][1] == (100, 100, 120, 124) and out[15][0][1] == (104, 100, 124, 124)
    assert [t.id for t, first, _ in tr.born] == [1] and tr.born[0][1] == 10


def test_a_weak_detection_not_seen_again_is_dropped_unhidden():
    tr = Tracker(TrackerConfig(pad_before=3), 1000, 1000)
    tr.update(10, [Detection(100, 100, 120, 124, 0.15)])
    assert tr.update(15, []) == {} and tr.candidates == [] and tr.tracks == []


def test_a_weak_sighting_confirmed_on_the_next_frame_becomes_a_track_though_it_moved_past_pairing_reach():
    # 16 px tall and 9 px a frame: by the next keyframe it would be 45 px on, beyond the reach
    # a candidate is matched within; on the next frame it is 9 px on.
    face = lambda f: (100.0 + 9 * f, 100.0, 112.0 + 9 * f, 116.0)
    tr = Tracker(TrackerConfig(pad_before=3), 1000, 1000)
    assert tr.update(10, [Detection(*face(10), 0.15)]) == {}
    assert tr.waiting(11, 5) == [face(10)]  # carried with the picture (still, here)
    out = tr.update(11, [Detection(*face(11), 0.8)], looked=set(), confirm=True)
    assert sorted(out) == list(range(7, 12))
    (track, first, _), = tr.born
    assert first == 10 and track.found_by == "weak sighting seen again"
    assert not track.velocity.any()  # one frame apart, the boxes' jitter would read as speed
    assert tr.candidates == [] and tr.waiting(12, 5) == []


def test_a_weak_sighting_its_second_look_does_not_find_again_is_dropped_unhidden():
    tr = Tracker(TrackerConfig(pad_before=3), 1000, 1000)
    tr.update(10, [Detection(100, 100, 112, 116, 0.15)])
    assert tr.update(11, [], looked=set(), confirm=True) == {}
    assert tr.tracks == [] and tr.candidates == []


def test_a_weak_sighting_where_a_second_look_lately_found_nothing_waits_behind_the_others():
    tr = Tracker(TrackerConfig(), 1000, 1000)
    pattern, face = Detection(100, 100, 116, 116, 0.3), Detection(500, 500, 512, 516, 0.2)
    tr.update(10, [pattern, face])
    assert tr.waiting(11, 1) == [pattern.box]  # likelier, first
    tr.update(11, [], looked=set(), confirm=True)  # nothing there
    tr.update(15, [pattern, face])
    assert tr.waiting(16, 1) == [face.box]
    tr.update(16, [Detection(501, 500, 513, 516, 0.8)], looked=set(), confirm=True)
    assert [t.found_by for t in tr.tracks] == ["weak sighting seen again"]


def test_a_weak_detection_inside_a_tracked_face_is_a_part_of_it_not_a_new_candidate():
    tr = Tracker(TrackerConfig(), 1000, 1000)
    tr.update(10, [Detection(100, 100, 180, 200, 0.9)])
    tr.update(15, [Detection(100, 100, 180, 200, 0.9), Detection(120, 120, 150, 150, 0.2), Detection(400, 400, 420, 424, 0.2)])
    assert [tuple(c.box) for c in tr.candidates] == [(400, 400, 420, 424)]


def moving_texture_planes(texture, size, start, step, frames):
    """Grey luma planes of `size` (width, height) with `texture` moving from `start` (x, y) by
    `step` (x, y) a frame; it is gone from the last one."""
    th, tw = texture.shape
    planes = []
    for i in range(frames):
        plane = np.full(size[::-1], 128, np.uint8)
        if i < frames - 1:
            x, y = start[0] + step[0] * i, start[1] + step[1] * i
            plane[y:y + th, x:x + tw] = texture
        planes.append(plane)
    return planes


def test_follow_patch_follows_a_moving_picture_and_stops_where_it_is_gone():
    texture = np.random.default_rng(1).integers(0, 256, (60, 60), dtype=np.uint8)
    planes = moving_texture_planes(texture, (320, 240), (80, 50), (4, 3), 6)
    found = follow_patch(planes, (95, 65, 125, 95))  # the middle of the texture in frame 0
    assert len(found) == 4  # frames 1-4; in frame 5 the picture is gone
    for i, box in enumerate(found, start=1):
        assert box[0] == pytest.approx(95 + 4 * i, abs=1) and box[1] == pytest.approx(65 + 3 * i, abs=1)


def test_follow_patch_places_a_large_face_matched_at_a_reduced_scale_to_the_pixel():
    # A 150 px face is matched in windows shrunk 6x, then placed between their pixels; the
    # templates are cut at full size, so the error does not grow from frame to frame.
    rng = np.random.default_rng(2)
    texture = cv2.resize(rng.integers(0, 256, (30, 30), dtype=np.uint8), (150, 150), interpolation=cv2.INTER_CUBIC)
    planes = moving_texture_planes(texture, (640, 480), (150, 100), (7, 5), 8)
    found = follow_patch(planes, (150, 100, 300, 250))
    assert len(found) == 6  # frames 1-6; in frame 7 the face is gone
    for i, box in enumerate(found, start=1):
        assert box[0] == pytest.approx(150 + 7 * i, abs=1) and box[1] == pytest.approx(100 + 5 * i, abs=1)
        assert box[2] - box[0] == pytest.approx(150) and box[3] - box[1] == pytest.approx(150)


def textured_patch_frames(seed):
    """frame_at(x): a 320x240 I420 frame, flat grey but for a 30 px random texture at (x, 100)."""
    texture = np.random.default_rng(seed).integers(0, 256, (30, 30), dtype=np.uint8)

    def frame_at(x):
        plane = np.full((240, 320), 128, np.uint8)
        plane[100:130, x:x + 30] = texture
        return np.concatenate([plane.ravel(), np.full(320 * 240 // 2, 128, np.uint8)])

    return frame_at


def test_a_partly_covered_face_the_detector_boxes_by_a_part_of_is_hidden_whole():
    from redaction.hiding import head_box

    tr = Tracker(TrackerConfig(), 1000, 500)
    face_at = lambda f: (20 + 5 * f, 100, 60 + 5 * f, 140)  # moving right 5 px a frame
    for key in (0, 5, 10):
        tr.update(key, [Detection(*face_at(key), 0.9)])
    # On keyframe 15 its right side is covered: the detector boxes the left middle only.
    x1, y1, x2, y2 = face_at(15)
    part = (x1, y1 + 10, x1 + 12, y1 + 24)
    out = tr.update(15, [Detection(*part, 0.5)])
    (tid, box), = out[15]
    hidden = head_box(box, 1000, 500)
    assert hidden[0] <= x1 and hidden[1] <= y1 and hidden[2] >= x2 and hidden[3] >= y2
    assert box[0] <= part[0] and box[1] <= part[1] and box[2] >= part[2] and box[3] >= part[3]


def test_a_missed_established_track_is_hidden_where_it_really_went_not_where_it_was_heading():
    from redaction.pipeline import RecentLuma

    frame_at = textured_patch_frames(seed=2)

    tr = Tracker(TrackerConfig(established_hits=2), 320, 240)
    recent = RecentLuma(320, 240, 20)
    # Moving right 2 px a frame while detected on keyframes 0 and 5...
    for f in range(6):
        recent.add(f, frame_at(20 + 2 * f))
    tr.update(0, [Detection(20, 100, 50, 130, 0.9)])
    tr.update(5, [Detection(30, 100, 60, 130, 0.9)])
    # ... then it turns back, and the detector misses it on keyframe 10.
    for f in range(6, 11):
        recent.add(f, frame_at(30 - 3 * (f - 5)))
    out = tr.update(10, [])
    assert [t.id for t in tr.missed] == [1]
    assert out[10][0][1][0] > 30  # the coasting guess carries on to the right
    recent.follow_misses(tr, 10, out, 0.6)
    for f in range(6, 11):
        (tid, box), = out[f]
        assert tid == 1 and box[0] == pytest.approx(30 - 3 * (f - 5), abs=1)
    # Missed again on keyframe 15: followed on from where it was last found, not from scratch.
    for f in range(11, 16):
        recent.add(f, frame_at(max(0, 30 - 3 * (f - 5))))
    out = tr.update(15, [])
    recent.follow_misses(tr, 15, out, 0.6)
    for f in range(11, 16):
        (tid, box), = out[f]
        assert box[0] == pytest.approx(max(0, 30 - 3 * (f - 5)), abs=1)


def test_a_lost_face_is_looked_for_where_it_went_then_given_up():
    """An established track that ends is not hidden any more, but its last known place, followed
    by template matching, gets closer looks for `relook_frames`, so a face the detector lost for
    a while is found again (and followed back over the gap)."""
    from redaction.pipeline import RecentLuma

    frame_at = textured_patch_frames(seed=3)

    cfg = TrackerConfig(established_hits=2, pad_after_established=10, relook_frames=20)
    tr = Tracker(cfg, 320, 240)
    recent = RecentLuma(320, 240, 60)
    x = lambda f: 20 + 2 * f  # noqa: E731 - moving right 2 px a frame
    for key in range(0, 45, 5):
        for f in range(max(0, key - 4), key + 1):
            recent.add(f, frame_at(x(f)))
        out = tr.update(key, [Detection(x(key), 100, x(key) + 30, 130, 0.9)] if key <= 5 else [])
        recent.follow_misses(tr, key, out, 0.6)
        if key == 15:  # 10 frames after its last detection the track ends ...
            assert tr.tracks == [] and [t.id for t in tr.lost] == [1]
        if 15 <= key <= 35:  # ... and is looked for where it went, not where it was detected
            since, box = tr.lost[0].last_known()
            assert since == key and box[0] == pytest.approx(x(key), abs=1)
    assert tr.lost == []  # given up after relook_frames


def test_a_face_out_of_sight_is_looked_for_further_along_its_way():
    """A track the detector has not found for longer than its coasting box follows its velocity
    is also looked for where it would be had it kept moving, up to `look_ahead_frames` on: a face
    that walked behind something comes out further along, not where it was last seen."""
    cfg = TrackerConfig(established_hits=3, pad_after_established=20, relook_frames=60, look_ahead_frames=30)
    tr = Tracker(cfg, 1000, 500)
    x = lambda f: 100 + 4 * f  # noqa: E731 - walking right 4 px a frame
    for key in range(0, 25, 5):
        tr.update(key, [Detection(x(key), 200, x(key) + 20, 224, 0.9)])
    assert tr.update(30, []) and tr.out_of_sight(30) == []  # 10 frames on its coasting box still follows it
    tr.update(35, [])
    (place,) = tr.out_of_sight(35)
    assert place[0] == pytest.approx(x(35)) and place[1] == pytest.approx(200)
    assert tr.tracks[0].predict(35)[0] == pytest.approx(x(30))  # its coasting box held after 10 frames
    for key in (40, 45, 50):
        tr.update(key, [])
    assert tr.tracks == [] and len(tr.lost) == 1  # ended, still looked for where it was last known ...
    (place,) = tr.out_of_sight(50)
    assert place[0] == pytest.approx(x(20 + 30))  # ... and up to 30 frames along its way

    still = Tracker(cfg, 1000, 500)  # a face standing still: looked for where it is anyway
    for key in range(0, 25, 5):
        still.update(key, [Detection(300, 200, 320, 224, 0.9)])
    still.update(35, [])
    assert still.out_of_sight(35) == []

    # Coming closer (growing 1 px a frame) or going away (shrinking as fast): looked for at the
    # size it was last seen, its centre carried on. Carrying the sides' velocities on for 30
    # frames made the place half as large again (90 px), or turned it inside out (-10 px).
    for grow in (1, -1):
        sized = Tracker(cfg, 1000, 500)
        for key in range(0, 25, 5):
            g = grow * key / 2
            sized.update(key, [Detection(x(key) - g, 200 - g, x(key) + 40 + g, 248 + g, 0.9)])
        for key in (30, 35, 40, 45, 50):
            sized.update(key, [])
        (place,) = sized.out_of_sight(50)
        assert place[2] - place[0] == pytest.approx(40 + 20 * grow)  # as at its last detection (frame 20)
        assert place[3] - place[1] == pytest.approx(48 + 20 * grow)
        assert (place[0] + place[2]) / 2 == pytest.approx(x(50) + 20)

    leaving = Tracker(cfg, 1000, 500)  # walking out of the frame: not looked for outside it
    for key in range(0, 25, 5):
        leaving.update(key, [Detection(900 + 3 * key, 200, 920 + 3 * key, 224, 0.9)])
    leaving.update(35, [])
    assert leaving.out_of_sight(35) == []


def test_a_look_ahead_keeps_only_what_can_be_the_face_looked_for():
    """Around a guessed place the crop often takes in part of another face; a weak piece of it
    must not be offered to the tracker, where it would pull that face's track off it."""
    from redaction.pipeline import found_ahead

    place = (200, 200, 220, 224)
    face = Detection(205, 198, 225, 222, 0.2)
    tiny = Detection(208, 208, 214, 214, 0.5)
    far = Detection(260, 200, 280, 224, 0.5)
    piece = Detection(190, 190, 210, 214, 0.1)
    other_face = Detection(170, 160, 205, 196, 0.8)
    assert found_ahead([face, tiny, far], place, [], sure=0.3) == [face]
    assert found_ahead([face, piece], place, [other_face], sure=0.3) == [face]
    assert found_ahead([piece], place, [Detection(170, 160, 205, 196, 0.2)], sure=0.3) == [piece]


class RecordingDetector:
    """Stands in for the model: records the input sizes it is given and finds nothing."""

    def __init__(self):
        self.sizes = []
        self.expected = []

    def detect(self, rgb, threshold=None):
        self.sizes.append(rgb.shape[1::-1])
        return []

    def expect_shapes(self, shapes):
        self.expected += [(w, h) for h, w in shapes]


def test_the_keyframe_schedule_wide_every_keyframe_a_sweep_every_nth_closer_looks_at_small_faces():
    from redaction.pipeline import KeyframeDetector, RedactionSettings

    settings = RedactionSettings()
    looks, kept, ahead_looks = settings.refine_max, settings.refine_candidates_kept, settings.refine_ahead
    rec = RecordingDetector()
    kd = KeyframeDetector(rec, 1280, 720, settings)
    frame = np.zeros(1280 * 720 * 3 // 2, np.uint8)
    sweeps = []
    for k in range(2 * settings.sweep_every + 1):
        rec.sizes.clear()
        kd.whole(frame)
        if kd.sweep_size in rec.sizes:
            sweeps.append(k)
        assert rec.sizes[-1] == kd.small_size  # the wide pass on every keyframe
        assert len(rec.sizes) == (2 if sweeps and sweeps[-1] == k else 1)
    assert sweeps == [0, settings.sweep_every, 2 * settings.sweep_every]
    # The wide pass keeps the frame's shape within a few percent, at a multiple of 32, unpadded;
    # the sweep is larger than the frame.
    width, height = kd.small_size
    assert width == settings.detect_width and height % 32 == 0 and abs(height / width - 720 / 1280) < 0.05
    assert kd.sweep_size[0] > 1280
    # Both passes' sizes and every closer-look square are announced, to be compiled on first use.
    assert rec.expected[:2] == [kd.small_size, kd.sweep_size]
    assert all(w == h <= settings.refine_max_input for w, h in rec.expected[2:]) and rec.expected[2:]

    rec.sizes.clear()
    small, large = (100, 100, 120, 124), (300, 100, 500, 340)
    candidates = [(100 * i, 300, 100 * i + 16, 318) for i in range(1, settings.refine_candidates + 3)]
    kd.closer(frame, [], tracked=[large, small], candidates=candidates)
    assert len(rec.sizes) == 1 + settings.refine_candidates  # the small track, then the likeliest candidates; not the large one
    rec.sizes.clear()
    lost_elsewhere, lost_now_tracked = (600, 500, 620, 524), (101, 101, 121, 125)
    kd.closer(frame, [], tracked=[small], lost=[lost_elsewhere, lost_now_tracked])
    assert len(rec.sizes) == 2  # the track and the lost face; not the lost one found again as the track
    rec.sizes.clear()
    surely = [Detection(100, 100, 130, 130, 0.9)]  # the wide pass found the track clearly: no closer look
    kd.closer(frame, surely, tracked=[(100, 100, 130, 130)])
    assert rec.sizes == []
    # Places out-of-sight faces may have moved on to come after all the others, a few at most.
    ahead = [(700 + 100 * i, 400, 720 + 100 * i, 424) for i in range(ahead_looks + 1)]
    kd.closer(frame, [], tracked=[small] * looks, ahead=ahead)
    assert len(rec.sizes) == looks + ahead_looks and kd.passes["ahead"] == ahead_looks
    assert kd.passes["keyframes_out_of_looks"] == 0  # a place for every face
    # Where faces want more places than there are, the log counts what was left out.
    rec.sizes.clear()
    kd.closer(frame, [], tracked=[small] * (looks + 1), candidates=candidates[:kept + 1])
    assert len(rec.sizes) == looks  # tracked faces, and the candidates' kept places
    assert kd.passes["keyframes_out_of_looks"] == 1 and kd.passes["looks_left_out"] == (looks + 1 + kept + 1) - looks
    # Weak sightings keep some places where tracked faces would take them all: a hard face seen
    # weakly once was otherwise never looked at again.
    rec.sizes.clear()
    kd.closer(frame, [], tracked=[small], candidates=candidates[:1])
    track_crop, candidate_crop = rec.sizes  # of other sizes, so told apart below
    assert track_crop != candidate_crop
    rec.sizes.clear()
    kd.closer(frame, [], tracked=[small] * looks, candidates=candidates)
    assert rec.sizes == [track_crop] * (looks - kept) + [candidate_crop] * kept
    # Specks are no faces: a box narrower or shorter than the smallest face (a coasting box that
    # shrank to nothing, or inside out) gets no closer look and leaves its place to the next.
    rec.sizes.clear()
    tiny = settings.refine_min_px
    specks = [(50, 50, 50 + tiny / 3, 58), (60, 60, 90, 60 + tiny / 2), (200, 200, 190, 230)]
    kd.closer(frame, [], tracked=specks + [small], lost=specks, candidates=specks, ahead=specks)
    assert len(rec.sizes) == 1


class CrowdDetector(RecordingDetector):
    """Finds `faces` small faces at whatever scale it is given the frame, surely."""

    def __init__(self, faces: int):
        super().__init__()
        self.faces = faces

    def detect(self, rgb, threshold=None):
        super().detect(rgb, threshold)
        w = rgb.shape[1]
        return [Detection(i * w / 40, 10, i * w / 40 + w / 80, 10 + w / 64, 0.9) for i in range(self.faces)]


def test_while_a_crowd_is_in_view_the_kth_frame_passes_look_at_the_whole_frame_at_working_resolution():
    from redaction.pipeline import KeyframeDetector, RedactionSettings

    settings = RedactionSettings()
    det = CrowdDetector(settings.refine_max + 1)  # more small faces than a keyframe's closer looks take
    kd = KeyframeDetector(det, 1280, 720, settings)
    frame = np.zeros(1280 * 720 * 3 // 2, np.uint8)
    kd.whole(frame)  # the first Kth frame: the sweep, and the wide pass beside it
    det.sizes.clear()
    kd.whole(frame)
    assert (1280, 704) in det.sizes and (640, 352) in det.sizes  # working resolution, with the wide pass
    # Faces that closer looks can take, and the passes go back to the wide one alone.
    det.faces = settings.refine_max
    kd.whole(frame)
    det.sizes.clear()
    kd.whole(frame)
    assert det.sizes == [(640, 352)]
    # A keyframe for a few tracked faces between the Kth frames keeps to the wide pass, crowd or not.
    det.faces = 40
    kd.whole(frame)
    det.sizes.clear()
    kd.whole(frame, "tracks")
    assert det.sizes == [(640, 352)]
    assert kd.passes["crowd"] == 2


def test_the_detector_loads_the_shipped_model_on_the_cpu():
    d = FaceDetector()
    assert model_path().name == "centerface.onnx"
    assert d.session.get_providers() == ["CPUExecutionProvider"]
    assert len(d.model_sha256) == 64
    assert d.detect(np.zeros((96, 128, 3), np.uint8)) == []


def _runnable_model_with_the_onnx_package(path, outputs):
    """The same edits as `onnx_graph.runnable_model`, made with the `onnx` package (the way the
    detector made them before), as the reference it must match byte for byte."""
    import onnx

    model = onnx.load(str(path))
    graph = model.graph
    weights = {init.name for init in graph.initializer}
    kept = [inp for inp in graph.input if inp.name not in weights]
    del graph.input[:]
    graph.input.extend(kept)
    producer = {out: node for node in graph.node for out in node.output}
    needed, pending = set(), list(outputs)
    while pending:
        value = pending.pop()
        if value not in needed:
            needed.add(value)
            if value in producer:
                pending.extend(producer[value].input)
    wanted = [value for value in graph.output if value.name in outputs]
    del graph.output[:]
    graph.output.extend(wanted)
    nodes = [node for node in graph.node if any(out in needed for out in node.output)]
    del graph.node[:]
    graph.node.extend(nodes)
    used = {name for node in nodes for name in node.input}
    initializers = [init for init in graph.initializer if init.name in used]
    del graph.initializer[:]
    graph.initializer.extend(initializers)
    for value in list(graph.input) + list(graph.output):
        dims = value.type.tensor_type.shape.dim
        names = ("B", "H", "W") if value.name == "input.1" else ("b", "h", "w")
        for i, name in zip((0, 2, 3), names):
            dims[i].ClearField("dim_value")
            dims[i].dim_param = name
    del graph.value_info[:]
    return model.SerializeToString()


@pytest.mark.parametrize("outputs", [_OUTPUTS, _OUTPUTS + ["540"]])
def test_the_model_is_edited_byte_for_byte_as_the_onnx_package_would(outputs):
    assert _load_model_bytes(model_path(), outputs=outputs) == _runnable_model_with_the_onnx_package(model_path(), outputs)


def test_a_broken_model_file_is_refused_with_a_clear_error(tmp_path):
    whole = model_path().read_bytes()
    bad_name = message_field(7, message_field(5, message_field(8, b"\xff\xfe")))  # a weight named in no encoding
    damaged = {"truncated": whole[: len(whole) // 3], "not protobuf": b"\xff" * 64, "empty": b"", "bad name": bad_name}
    for name, data in damaged.items():
        path = tmp_path / f"{name}.onnx"
        path.write_bytes(data)
        with pytest.raises(ModelFileError):
            _load_model_bytes(path)


def test_loading_the_detector_does_not_import_the_onnx_package():
    # Importing `onnx` cost about 0.9 s of one core before the first frame of every render.
    code = (
        "import sys; from redaction.detector import FaceDetector; FaceDetector(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('onnx', 'ml_dtypes')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_the_unread_landmarks_head_is_dropped_and_the_outputs_read_are_unchanged(media_dir):
    import onnx
    import onnxruntime as ort

    loaded = _load_model_bytes(model_path())
    graph = onnx.load_from_string(loaded).graph
    assert [o.name for o in graph.output] == _OUTPUTS == ["537", "538", "539"]
    assert not any("lm_conv" in name for node in graph.node for name in node.input)
    assert not any("lm_conv" in init.name for init in graph.initializer)
    whole = _load_model_bytes(model_path(), outputs=_OUTPUTS + ["540"])  # with the landmarks head
    blob = _face_photo(media_dir, 96, 128).transpose(2, 0, 1)[None].astype(np.float32)
    read, reference = (
        ort.InferenceSession(m, providers=["CPUExecutionProvider"]).run(_OUTPUTS, {"input.1": blob})
        for m in (loaded, whole)
    )
    assert read[0].max() > 0.5  # the face is found
    for a, b in zip(read, reference):
        assert np.array_equal(a, b)


def _face_photo(media_dir, height, width):
    """A real face photo, scaled to `height` and set on a grey canvas `width` wide."""
    import cv2

    photo = cv2.cvtColor(cv2.imread(str(media_dir / "faces" / "obama.jpg")), cv2.COLOR_BGR2RGB)
    photo = cv2.resize(photo, (round(photo.shape[1] * height / photo.shape[0]), height))[:, :width]
    canvas = np.full((height, width, 3), 120, np.uint8)
    canvas[:, : photo.shape[1]] = photo
    return canvas


needs_bfloat16 = pytest.mark.skipif(
    not Bfloat16Shapes.available(), reason="this CPU has no bfloat16 arithmetic: the detector runs in float32 only"
)


@needs_bfloat16
def test_a_shape_moves_to_bfloat16_once_it_has_carried_enough_pixels(media_dir, monkeypatch):
    monkeypatch.setattr(Bfloat16Shapes, "COMPILE_AFTER_PIXELS", 3 * 320 * 256)
    d = FaceDetector()
    image = _face_photo(media_dir, 256, 320)
    found = [d.detect(image) for _ in range(4)]
    assert d.bfloat16.compiled_shapes == [(1, 3, 256, 320)]  # compiled on the third use
    assert "bfloat16" in d.runtime
    float32, bfloat16 = found[0], found[3]
    assert len(float32) == len(bfloat16) == 1
    assert abs(float32[0].score - bfloat16[0].score) < 0.05  # same face, same place, about as sure
    assert max(abs(a - b) for a, b in zip(float32[0].box, bfloat16[0].box)) < 4
    d.detect(image[:200])  # another shape stays on onnxruntime until it has carried as much
    assert d.bfloat16.compiled_shapes == [(1, 3, 256, 320)]


@needs_bfloat16
def test_each_video_runs_its_shapes_as_a_fresh_detector_would_whatever_ran_before(media_dir, monkeypatch):
    """A render worker keeps its detector from job to job; what a video's faces are found with
    (float32 or bfloat16, shape by shape) must not depend on the jobs before it."""
    monkeypatch.setattr(Bfloat16Shapes, "COMPILE_AFTER_PIXELS", 3 * 320 * 256)
    image = _face_photo(media_dir, 256, 320)

    def video(d):
        d.expect_shapes([]).join(timeout=60)  # the pipeline says so at the start of each video
        return [d.detect(image) for _ in range(4)]

    fresh = video(FaceDetector())
    assert fresh[0] == fresh[1] != fresh[3]  # float32 until the shape has carried enough, then bfloat16
    d = FaceDetector()
    assert video(d) == fresh
    assert d.bfloat16.compiled_shapes == [(1, 3, 256, 320)]
    assert video(d) == fresh  # the compiled shape waits for this video to have carried as much
    assert d.bfloat16.compiled_shapes == [(1, 3, 256, 320)]


@needs_bfloat16
def test_shapes_the_caller_expects_are_compiled_ahead_on_their_own_thread(media_dir):
    d = FaceDetector()
    compiling = d.expect_shapes([(250, 300), (160, 160)])  # padded to multiples of 32, as the model is run
    d.detect(_face_photo(media_dir, 256, 320))  # compiled ahead, or here if its turn has not come
    compiling.join(timeout=60)
    assert d.bfloat16.compiled_shapes == [(1, 3, 160, 160), (1, 3, 256, 320)]  # both, though only one was run
    d.detect(_face_photo(media_dir, 192, 192))  # not expected: onnxruntime until it has carried enough
    assert d.bfloat16.compiled_shapes == [(1, 3, 160, 160), (1, 3, 256, 320)]


@needs_bfloat16
def test_a_shape_being_compiled_ahead_is_waited_for_not_compiled_twice(media_dir, monkeypatch):
    import threading

    d = FaceDetector()
    compiles, started, release = [], threading.Event(), threading.Event()
    compile_model = d.bfloat16._core.compile_model

    def slow_compile(model, *args, **kwargs):
        compiles.append(threading.current_thread().name)
        started.set()
        release.wait(timeout=60)
        return compile_model(model, *args, **kwargs)

    monkeypatch.setattr(d.bfloat16, "_core", type("Core", (), {"compile_model": staticmethod(slow_compile)})())
    compiling = d.expect_shapes([(256, 320)])
    assert started.wait(timeout=60)
    detecting = threading.Thread(target=d.detect, args=(_face_photo(media_dir, 256, 320),))
    detecting.start()
    detecting.join(timeout=0.5)
    assert detecting.is_alive()  # waiting for the compile ahead, not running in float32 meanwhile
    release.set()
    detecting.join(timeout=60)
    compiling.join(timeout=60)
    assert compiles == ["detector-compile"]
    assert d.bfloat16.compiled_shapes == [(1, 3, 256, 320)]


@needs_bfloat16
def test_the_fast_detector_is_safe_from_two_threads(media_dir, monkeypatch):
    """The pipeline's scan and detect threads share one detector; requests are per thread."""
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setattr(Bfloat16Shapes, "COMPILE_AFTER_PIXELS", 1)
    d = FaceDetector()
    image = _face_photo(media_dir, 192, 192)
    expected = d.detect(image)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: d.detect(image), range(16)))
    assert all(r == expected for r in results)


def test_the_check_and_cpus_without_bfloat16_run_in_float32_only(monkeypatch):
    assert FaceDetector(fast=False).bfloat16 is None
    monkeypatch.setattr(Bfloat16Shapes, "available", staticmethod(lambda: False))
    d = FaceDetector()
    assert d.bfloat16 is None and d.runtime == "onnxruntime CPUExecutionProvider float32"
    assert d.detect(np.zeros((64, 64, 3), np.uint8)) == []


def test_nms_keeps_the_stronger_of_two_overlapping_boxes():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], np.float32)
    assert sorted(nms(boxes, np.array([0.5, 0.9, 0.7]), 0.3)) == [1, 2]


def test_nms_keeps_a_small_face_inside_a_large_ones_box():
    """A box inside a stronger one of about its size is the same face at another scale; a far
    smaller one is another face (a distant head in front of a close one) and must stay hidden."""
    big = [100, 100, 340, 340]
    same_face_rescaled = [120, 120, 300, 300]  # 56% of the big box's area
    distant_face = [200, 150, 240, 190]  # 3% of it, wholly inside
    boxes = np.array([big, same_face_rescaled, distant_face], np.float32)
    assert sorted(nms(boxes, np.array([0.9, 0.6, 0.5]), 0.3)) == [0, 2]


def test_merging_the_passes_hides_the_whole_face_a_tighter_stronger_box_was_kept_over():
    """A closer look often scores a tight box over a face's middle above the wide pass's box of
    the whole face; the box kept must cover both, or the face's edges stay visible."""
    from redaction.detector import merge_covering

    whole_face = Detection(313, 243, 380, 336, 0.75)
    middle = Detection(336, 249, 380, 312, 0.89)
    faint = Detection(320, 240, 395, 345, 0.3)  # under half the kept score: a guess, not grown over
    elsewhere = Detection(600, 100, 640, 150, 0.8)
    merged = merge_covering([whole_face, middle, faint, elsewhere])
    assert merged == [Detection(313, 243, 380, 336, 0.89), elsewhere]


def test_the_sweep_finds_a_face_as_tall_as_the_frame(media_dir):
    """On sweep keyframes the enlarged sweep runs beside the wide pass: close faces are found too."""
    import cv2

    from redaction.pipeline import KeyframeDetector, RedactionSettings

    photo = cv2.cvtColor(cv2.imread(str(media_dir / "faces" / "Tom_Hanks_54745.png")), cv2.COLOR_BGR2RGB)
    h, w = 720, 1280
    face = cv2.resize(photo, (520, 640))  # the face fills the photo
    canvas = np.full((h, w, 3), 90, np.uint8)
    canvas[40:680, 380:900] = face
    frame = cv2.cvtColor(canvas, cv2.COLOR_RGB2YUV_I420).ravel()
    kd = KeyframeDetector(FaceDetector(), w, h, RedactionSettings())
    found = kd.whole(frame)  # keyframe 0: the sweep
    assert kd.passes == {"sweep": 1, "wide": 1}
    assert any(d.score >= 0.5 and d.y2 - d.y1 > 400 for d in found)


def test_the_decoder_takes_one_thread_up_to_1080p_and_two_above():
    from redaction.media import decoder_command

    def threads(pixels):
        cmd = decoder_command("in.mp4", 1280, 720, source_pixels=pixels)
        return cmd[cmd.index("-threads") + 1]

    assert threads(1920 * 1080) == "1"
    assert threads(3840 * 2160) == "2"


def test_keyframes_come_at_source_resolution_only_where_it_is_sharper():
    from redaction.pipeline import RedactionSettings, detail_frame_size

    settings = RedactionSettings()
    assert detail_frame_size(1920, 1080, 720, settings) == (1920, 1080)
    assert detail_frame_size(3840, 2160, 720, settings) == (1920, 1080)  # at most 1080 lines
    assert detail_frame_size(1280, 720, 720, settings) is None
    assert detail_frame_size(1920, 1080, 1080, settings) is None  # a 1080p release copy is the source
    assert detail_frame_size(1920, 1080, 720, RedactionSettings(detail_below_px=0)) is None


class CentreFinder:
    """A stand-in detector that finds one face in the middle third of whatever crop it is given."""

    runtime = "test"

    def detect(self, rgb, *, threshold=None):
        h, w = rgb.shape[:2]
        return [Detection(w / 3, h / 3, 2 * w / 3, 2 * h / 3, 0.9)]

    def expect_shapes(self, shapes):
        pass


class BrightFinder(RecordingDetector):
    """A stand-in detector whose one "face" is the bright part of whatever crop it is given."""

    def detect(self, rgb, threshold=None):
        super().detect(rgb)
        ys, xs = np.nonzero(rgb[:, :, 0] > 128)
        if not len(xs):
            return []
        return [Detection(float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1), 0.9)]


@pytest.mark.parametrize("face", [
    (600.0, 300.0, 618.0, 318.0),  # in the middle of the frame
    (2.0, 4.0, 20.0, 22.0),  # in a corner: the crop is moved inward, not cut
    (1240.0, 690.0, 1276.0, 718.0),  # in the opposite corner
    (500.0, 200.0, 570.0, 270.0),  # tall enough to need no enlarging: a 192 px crop at 1:1
])
def test_closer_looks_are_squares_the_model_needs_no_padding_for_and_report_boxes_in_working_pixels(face):
    from redaction.pipeline import KeyframeDetector, RedactionSettings

    finder = BrightFinder()
    keyframes = KeyframeDetector(finder, 1280, 720, RedactionSettings())
    for scale in (1.0, 1.5):
        image = np.zeros((round(720 * scale), round(1280 * scale), 3), np.uint8)
        x1, y1, x2, y2 = (round(v * scale) for v in face)
        image[y1:y2, x1:x2] = 255
        found = keyframes._refine(image, face, scale)
        w, h = finder.sizes[-1]
        assert w == h and w % 32 == 0 and (w, h) in [s[::-1] for s in keyframes.crop_shapes()]
        assert len(found) == 1
        assert max(abs(a - b) for a, b in zip(found[0].box, face)) < 1.5


def test_a_closer_look_at_source_resolution_reports_boxes_in_working_pixels():
    from redaction.pipeline import KeyframeDetector, RedactionSettings

    keyframes = KeyframeDetector(CentreFinder(), 1280, 720, RedactionSettings())
    face = (600.0, 300.0, 616.0, 318.0)
    working = keyframes._refine(np.zeros((720, 1280, 3), np.uint8), face)[0]
    sharper = keyframes._refine(np.zeros((1080, 1920, 3), np.uint8), face, 1.5)[0]
    for a, b in zip(working.box, sharper.box):
        assert abs(a - b) < 1.0
    assert abs((working.x1 + working.x2) / 2 - 608) < 1 and abs((working.y1 + working.y2) / 2 - 309) < 1


@pytest.mark.parametrize("dark", [False, True])
def test_a_piece_of_an_i420_picture_has_exactly_the_pixels_of_the_whole_converted_frame(dark):
    import cv2

    from redaction.detector import brighten_if_dark
    from redaction.pipeline import I420Picture

    rng = np.random.default_rng(7)
    w, h = 640, 360
    frame = rng.integers(0, 256, w * h * 3 // 2, dtype=np.uint8)
    if dark:  # a night scene: brightened by the whole frame's mean, in pieces too
        frame[: w * h] //= 5
    y, u, v = planes(frame, w, h)
    whole = cv2.cvtColor(
        np.concatenate([brighten_if_dark(y).ravel(), u.ravel(), v.ravel()]).reshape(h * 3 // 2, w),
        cv2.COLOR_YUV2RGB_I420,
    )
    picture = I420Picture(frame, w, h)
    assert picture.shape == whole.shape
    for y1, y2, x1, x2 in [(0, h, 0, w), (1, 2, 1, 2), (3, 50, 7, 99), (100, 101, 0, 640), (359, 360, 639, 640),
                           (-20, h, -33, w)]:
        assert np.array_equal(picture[y1:y2, x1:x2], whole[y1:y2, x1:x2]), (y1, y2, x1, x2)
    with pytest.raises(IndexError):
        picture[0:10:2, 0:10]


def test_frames_cross_pipes_with_the_buffer_the_pipeline_asks_for():
    import fcntl
    import os

    from redaction.media import PIPE_BYTES, widen_pipe

    read, write = os.pipe()
    try:
        widen_pipe(write)
        assert fcntl.fcntl(read, fcntl.F_GETPIPE_SZ) == PIPE_BYTES
    finally:
        os.close(read)
        os.close(write)


def test_widening_a_file_that_is_not_a_pipe_is_left_alone(tmp_path):
    from redaction.media import widen_pipe

    with open(tmp_path / "not-a-pipe", "wb") as f:
        widen_pipe(f.fileno())  # no error: it works as it did
        f.write(b"still writable")
    assert (tmp_path / "not-a-pipe").read_bytes() == b"still writable"
