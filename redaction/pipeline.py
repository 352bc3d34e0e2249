"""Automatic face redaction of one video: decode, detect, track, hide, encode.

Four stages run at once, joined by bounded queues (`stages.py`): a thread reading raw frames from
the decoder process; a thread measuring the camera's motion on every frame and running the
whole-frame detector passes on every Kth frame, on shot cuts and while the picture moves fast
(`scanning.py`), beside a thread making the enlarged sweeps of Kth frames from when they are
decoded (`SweepsAhead`); a thread taking closer looks around tracked faces and tracking (`following.py`;
the whole-frame passes need no tracks, so they run a keyframe ahead, on the other core); and the
caller's thread hiding and writing frames to the encoder process (`writing.py`). This module sets
them up, holds the detector's passes (`KeyframeDetector`) and writes the regions log. The model's runtimes, OpenCV and pipe I/O release the GIL, so decode, detection and
encode keep both cores busy. Faces that are new, missed or fast get keyframes of their own in the
tracking thread, every frame or every second one. Boxes between keyframes depend on the next
keyframe, a weak sighting is only confirmed one keyframe later, and a new track is followed back
in time from where it was found, so the hiding stage holds a lookahead of `follow_back_frames` and
the follow stage copies of that many luma planes. Where the source is sharper than the release copy, the
decoder also sends each keyframe at source resolution (up to 1080 lines) on a second pipe, read
by a fifth thread, for closer looks at tiny faces; at most a few of those wait at a time. Nothing
else of the video is ever held in memory.
"""
from __future__ import annotations

import collections
import os
import queue
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import cv2
import numpy as np

from media.atomic import atomic_output, scratch_beside

from . import media
from .detector import MODEL_NAME, Detection, FaceDetector, brighten_if_dark, dark_lut, merge, merge_covering
from .errors import RedactionError
from .following import DetailFrames, follow_faces
from .hiding import BLUR_SIGMA_SHARE, MODES, planes
from .motion import CameraPath
from .regions import ManualRegion, TrackMark, frame_ranges, iou, iou_matrix
from .regions_log import ManualRecord, RegionsLog, TrackRecord
from .scanning import SweepsAhead, scan_keyframes
from .stages import END, Stages, Stopped, feed, get, raw_frames
from .writing import HiddenFrames
from .tracking import Tracker, TrackerConfig, follow_patch

PIPELINE_VERSION = "redaction 1.22"


@dataclass(frozen=True)
class RedactionSettings:
    max_height: int = 720  # the release copy is at most this tall (never upscaled; at most 1080)
    detect_every: int = 5  # run the detector on at least every Kth frame, track in between
    detect_width: int = 640  # the wide pass: the whole frame at this width (large and medium faces)
    detect_threshold: float = 0.1  # lowest score kept from the wide passes
    # The sweep: every Nth keyframe, the whole frame enlarged (one inference, cheaper than tiles),
    # since the model, trained on larger faces, scores small and low-contrast ones too low.
    sweep_every: int = 6
    sweep_scale: float = 1.5
    sweep_width: int = 1920
    refine_below_px: float = 120.0  # tracked faces (and candidates) smaller than this get a closer look
    refine_min_px: float = 6.0  # ... and at least this wide and tall (working pixels)
    refine_face_px: float = 64.0  # ... enlarged so the face is about this tall
    refine_context: float = 2.5  # crop side as a multiple of the face box
    refine_motion_px: float = 28.0  # ... and at least this much room around it (at 1280 wide)
    refine_max_input: int = 320  # crops are enlarged to at most this side
    refine_threshold: float = 0.05
    refine_max: int = 8
    # Closer looks a frame between keyframes, most overdue first: a crowd's cost stays per frame.
    refine_between: int = 2
    # Weak sightings of a keyframe looked at again, on the next frame (`Tracker.waiting`), or on
    # the next keyframe where that is the next frame.
    refine_candidates: int = 5
    # ... of which this many keep their places there when tracked and lost faces would take them all.
    refine_candidates_kept: int = 2
    # Places out-of-sight tracks would have moved on to (`Tracker.out_of_sight`), looked at per
    # keyframe after all the others.
    refine_ahead: int = 2
    # A tracked face the wide pass found this surely, at least this tall (working pixels), needs
    # no closer look on that keyframe.
    refine_skip_score: float = 0.6
    refine_skip_px: float = 28.0
    # Faces smaller than this (working pixels) get their closer look in the source's own frame
    # where it has more lines than the copy: a tiny face has more detail there.
    detail_below_px: float = 24.0
    detail_max_height: int = 1080
    # A new track is followed back this many frames from its first detection, so a face found
    # late is hidden from when it was really there; the hiding stage holds as many frames.
    follow_back_frames: int = 90
    follow_min_score: float = 0.6
    tracker: TrackerConfig = field(default_factory=TrackerConfig)
    box_grow_w: float = 1.45
    box_grow_h: float = 1.5
    # The cheapest encoder preset leaves the cores to detection; the price is a larger file.
    preset: str = "ultrafast"
    # A constant quantizer: a constant rate factor makes x264 analyse every frame again to spread
    # the bits; this QP gives the size and quality the default rate factor gave.
    qp: int = 25


@dataclass
class RedactionResult:
    output_path: Path
    log_path: Path | None
    log: RegionsLog
    frames: int
    width: int
    height: int
    timings: dict


def _snap32(h: float) -> int:
    """A height for the wide pass: the nearest multiple of 32 if that is within 3%."""
    snapped = max(32, round(h / 32) * 32)
    return snapped if abs(snapped - h) <= 0.03 * h else max(2, round(h / 2) * 2)


def _i420_rgb(y: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """RGB of separate Y, U and V planes (even-sided luma, chroma half its size)."""
    h, w = y.shape
    i420 = np.concatenate([y.ravel(), u.ravel(), v.ravel()]).reshape(h * 3 // 2, w)
    return cv2.cvtColor(i420, cv2.COLOR_YUV2RGB_I420)


def _rgb(y: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return _i420_rgb(brighten_if_dark(y), u, v)


class I420Picture:
    """A flat I420 frame as the detector's RGB picture (night scenes brightened), converted only
    where it is looked at: `picture[y1:y2, x1:x2]` is what slicing the converted frame would give.

    Closer looks need a few small crops of a keyframe, and converting the whole frame for them (a
    1080p one for tiny faces) cost more CPU than the crops did. OpenCV's I420 conversion gives each
    2x2 block of luma the one chroma sample it shares, so a rectangle converted from even
    coordinates has exactly the pixels of the whole converted frame; the brightening is decided
    by the whole frame's mean, as before.
    """

    def __init__(self, frame: np.ndarray, width: int, height: int):
        self.y, self.u, self.v = planes(frame, width, height)
        self.lut = dark_lut(self.y)
        self.shape = (height, width, 3)

    def __getitem__(self, index: tuple[slice, slice]) -> np.ndarray:
        rows, cols = index
        y1, y2, step_y = rows.indices(self.shape[0])
        x1, x2, step_x = cols.indices(self.shape[1])
        if step_y != 1 or step_x != 1 or y2 <= y1 or x2 <= x1:
            raise IndexError("an I420Picture gives rectangles only")
        ey1, ex1, ey2, ex2 = y1 & ~1, x1 & ~1, (y2 + 1) & ~1, (x2 + 1) & ~1  # the frame's sides are even
        y = self.y[ey1:ey2, ex1:ex2]
        if self.lut is not None:
            y = cv2.LUT(y, self.lut)
        u = self.u[ey1 // 2:ey2 // 2, ex1 // 2:ex2 // 2]
        v = self.v[ey1 // 2:ey2 // 2, ex1 // 2:ex2 // 2]
        return _i420_rgb(y, u, v)[y1 - ey1:y2 - ey1, x1 - ex1:x2 - ex1]


class KeyframeDetector:
    """Finds faces in one I420 keyframe, in two passes.

    1. The whole frame: at `detect_width` (the wide pass: large and medium faces), or, every
       `sweep_every`th keyframe, enlarged (the sweep: faces of every size, small and distant ones
       included), and while the last Kth-frame pass found a crowd, at working resolution.
    2. Around each tracked face or candidate that is small and not already found surely, a crop
       enlarged so the face is about `refine_face_px` tall: a small or hard face, once seen,
       stays found, and a weak sighting is confirmed or dropped.
    """

    def __init__(self, detector: FaceDetector, width: int, height: int, settings: RedactionSettings):
        self.detector = detector
        self.width, self.height = width, height
        self.settings = settings
        self.calls = 0
        self.passes = collections.Counter()
        self.keyframes = collections.Counter()  # by why they were keyframes
        dw = min(settings.detect_width, width) // 2 * 2
        # The model pads its input to multiples of 32, and padding costs as much as picture: the
        # wide pass squeezes or stretches the frame by up to 3% of its height instead.
        self.small_size = (dw, _snap32(height * dw / width))
        sw = min(settings.sweep_width, round(width * settings.sweep_scale)) // 2 * 2
        self.sweep_size = (sw, max(2, round(height * sw / width / 2) * 2))
        self.sweeps = settings.sweep_every > 0 and sw > dw * 1.2
        self.detail_size: tuple[int, int] | None = None  # set when the decoder also delivers detail frames
        # A crowd: more small faces than a keyframe's closer looks can take. At the wide pass's
        # scale a crowd's small faces are too small to be found surely, and each would wait for a
        # closer look; while the last Kth-frame pass found a crowd, the next ones also look at
        # the whole frame at working resolution.
        self.crowd_size = (width // 2 * 2, _snap32(height)) if width > dw * 1.2 else None
        self.crowded = False
        passes = [self.small_size[::-1]] + ([self.sweep_size[::-1]] if self.sweeps else [])
        detector.expect_shapes(passes + self.crop_shapes())

    def rgb(self, frame: np.ndarray, size: tuple[int, int] | None) -> np.ndarray:
        y, u, v = planes(frame, self.width, self.height)
        if size is not None and size != (self.width, self.height):
            w, h = size
            how = cv2.INTER_AREA if w < self.width else cv2.INTER_LINEAR
            y = cv2.resize(y, (w, h), interpolation=how)
            u = cv2.resize(u, (w // 2, h // 2), interpolation=how)
            v = cv2.resize(v, (w // 2, h // 2), interpolation=how)
        return _rgb(y, u, v)

    def _whole(self, frame: np.ndarray, size: tuple[int, int], threshold: float) -> list[Detection]:
        fx, fy = self.width / size[0], self.height / size[1]
        return [
            Detection(d.x1 * fx, d.y1 * fy, d.x2 * fx, d.y2 * fy, d.score)
            for d in self.detector.detect(self.rgb(frame, size), threshold=threshold)
        ]

    def whole(self, frame: np.ndarray, kind: str = "every_kth", *, swept: list[Detection] | None = None) -> list[Detection]:
        """Pass 1, over the whole frame. It needs no tracks, so it can run ahead of
        tracking, on the next keyframe, while this one's closer looks are taken.

        `kind` says why this frame is a keyframe: "every_kth" (the schedule the sweeps
        keep to), "cut" (a new shot: searched for faces of every size at once), or "camera"
        and "tracks" (detection more often while the picture or a face moves fast: the wide
        pass). `swept` is this frame's enlarged sweep where it was made ahead (`sweeps_ahead`)."""
        cfg = self.settings
        self.keyframes[kind] += 1
        sweep_due = kind == "every_kth" and self.sweeps and self.calls % cfg.sweep_every == 0
        if swept is not None and not sweep_due:
            raise RedactionError("a sweep was made ahead for a keyframe that is not swept")
        if kind != "every_kth":
            return self._sweep(frame) if kind == "cut" and self.sweeps else self._wide(frame)
        if sweep_due:
            dets = self._sweep(frame, swept)
        elif self.crowded:
            dets = self._crowd(frame)
        else:
            dets = self._wide(frame)
        self.calls += 1
        self.crowded = self.crowd_size is not None and self._small_faces(dets) > cfg.refine_max
        return dets

    def _small_faces(self, dets: list[Detection]) -> int:
        """How many faces in a whole-frame pass's `dets` are sure enough to start a track and small
        enough to want closer looks."""
        cfg = self.settings
        small = [d for d in dets if d.score >= cfg.tracker.new_track_score and self._worth_a_look(d.box)]
        return len(merge(small))  # a face two passes found counts once

    def _crowd(self, frame: np.ndarray) -> list[Detection]:
        """The whole frame at working resolution, for a crowd, and the wide pass beside it: at
        working resolution a large face's box is often only a part of it."""
        self.passes["crowd"] += 1
        return self._whole(frame, self.crowd_size, self.settings.detect_threshold) + self._wide(frame)

    def _wide(self, frame: np.ndarray) -> list[Detection]:
        self.passes["wide"] += 1
        return self._whole(frame, self.small_size, self.settings.detect_threshold)

    def _sweep(self, frame: np.ndarray, swept: list[Detection] | None = None) -> list[Detection]:
        """The enlarged sweep, and the wide pass beside it: enlarged, a face as tall as the frame
        is too large for the model, and the wide pass costs a tenth of the sweep."""
        self.passes["sweep"] += 1
        return (self.enlarged(frame) if swept is None else swept) + self._wide(frame)

    def enlarged(self, frame: np.ndarray) -> list[Detection]:
        """The sweep's own detections: the whole frame enlarged."""
        return self._whole(frame, self.sweep_size, self.settings.detect_threshold)

    def sweeps_ahead(self, every: int) -> int:
        """Every how many frames a sweep falls on a frame known before it is scanned (0: none).

        The every-Kth keyframes before the last frame are the multiples of `every`, and each
        `sweep_every`th of them is swept, so those sweeps can start as soon as their frame is
        decoded, on a thread of their own, while the frames before it are still scanned."""
        return every * self.settings.sweep_every if self.sweeps else 0

    def none(self, kind: str) -> list[Detection]:
        """A keyframe with no whole-frame pass: closer looks only."""
        self.keyframes[kind] += 1
        return []

    def closer(self, frame: np.ndarray, dets: list[Detection], tracked=(), candidates=(), lost=(),
               detail: np.ndarray | None = None, ahead=()) -> list[Detection]:
        """Pass 2, around the tracked faces, the last known places of lost ones, and candidates,
        then the places `ahead` out-of-sight faces may have moved on to, added to the whole-frame
        `dets`. `detail` is the same frame as I420 at the source's higher resolution
        (`detail_size`), where there is one: faces smaller than `detail_below_px` are looked at
        there."""
        cfg = self.settings
        dets = list(dets)
        # Tracked faces first, smallest first; then lost faces not found again; then the
        # likeliest few candidates, at least `refine_candidates_kept` of them however many faces
        # are tracked.
        tracked, lost = list(tracked), list(lost)
        found = self._found_surely(tracked, dets)
        look = sorted(
            (b for b, sure in zip(tracked, found) if self._worth_a_look(b) and not sure),
            key=lambda b: b[3] - b[1],
        )
        near_tracked = (iou_matrix(lost, tracked) > 0.1).any(axis=1) if lost and tracked else [False] * len(lost)
        look += [b for b, near in zip(lost, near_tracked) if self._worth_a_look(b) and not near]
        weak = [b for b in candidates if self._worth_a_look(b)][: cfg.refine_candidates]
        kept = min(len(weak), max(cfg.refine_max - len(look), cfg.refine_candidates_kept))
        wanted = len(look) + len(weak)
        look = look[: cfg.refine_max - kept] + weak[:kept]
        if len(look) < wanted:
            # Counted for the log: on busy clips the budget is spent on every keyframe, and what
            # it leaves out (lost faces' places first) is where hard faces are missed.
            self.passes["keyframes_out_of_looks"] += 1
            self.passes["looks_left_out"] += wanted - len(look)
        full = sharp = None

        def refine(box) -> list[Detection]:
            nonlocal full, sharp
            if detail is not None and max(box[2] - box[0], box[3] - box[1]) < cfg.detail_below_px:
                if sharp is None:
                    sharp = I420Picture(detail, *self.detail_size)
                self.passes["refine_detail"] += 1
                return self._refine(sharp, box, self.detail_size[0] / self.width)
            if full is None:
                full = I420Picture(frame, self.width, self.height)
            self.passes["refine"] += 1
            return self._refine(full, box)

        for box in look:
            dets += refine(box)
        for box in [b for b in ahead if self._worth_a_look(b)][: cfg.refine_ahead]:
            dets += found_ahead(refine(box), box, dets, sure=cfg.tracker.new_track_score)
            self.passes["ahead"] += 1
        return merge_covering(dets)

    def _worth_a_look(self, box) -> bool:
        """Small enough to need a closer look, and big enough to be a face at all: a box narrower
        or shorter than `refine_min_px` is a speck the detector scored or a coasting box that
        shrank to nothing, and such boxes, smallest first, took every place on some keyframes."""
        cfg = self.settings
        return min(box[2] - box[0], box[3] - box[1]) >= cfg.refine_min_px and box[3] - box[1] < cfg.refine_below_px

    def _found_surely(self, boxes, dets: list[Detection]) -> list[bool]:
        """For each of `boxes`: whether a detection found the face there surely and large
        enough to need no closer look."""
        cfg = self.settings
        sure = [d.box for d in dets if d.score >= cfg.refine_skip_score and d.y2 - d.y1 >= cfg.refine_skip_px]
        if not boxes or not sure:
            return [False] * len(boxes)
        return list((iou_matrix(boxes, sure) >= 0.3).any(axis=1))

    def _refine(self, image: np.ndarray, box, scale: float = 1.0) -> list[Detection]:
        """Detect in a crop around a tracked face, enlarged so the face is a comfortable size.

        `image` is the working frame in RGB (an array or an `I420Picture`), or (`scale` > 1) the
        same frame at a higher resolution, where a tiny face has more detail to enlarge. The crop
        leaves room for the face to have moved since the prediction (small faces in a shaking
        camera move further than their own size between keyframes). Boxes come back in working
        pixels.

        The enlarged crop is a square whose side is a multiple of 32 (`crop_side`): the model
        pads its input to that anyway, so the padding is filled with picture, and the few
        square sizes run on the fast runtime (odd shapes would run at about 1.7x the cost per
        pixel). At a frame edge the crop is moved inward rather than cut.
        """
        cfg = self.settings
        x1, y1, x2, y2 = box
        size = max(x2 - x1, y2 - y1, 8.0)
        half = max(size * cfg.refine_context / 2, size / 2 + cfg.refine_motion_px * self.width / 1280)
        f = max(1.0, min(cfg.refine_face_px / (size * scale), cfg.refine_max_input / (2 * half * scale)))
        side = crop_side(2 * half * scale * f)
        window = side / f  # in `image` pixels
        h, w = image.shape[:2]
        cw, ch = min(w, round(window)), min(h, round(window))
        X1 = int(min(max(0, round((x1 + x2) / 2 * scale - cw / 2)), w - cw))
        Y1 = int(min(max(0, round((y1 + y2) / 2 * scale - ch / 2)), h - ch))
        if cw < 4 or ch < 4:
            return []
        out_w = side if cw == round(window) else max(32, round(cw * f))
        out_h = side if ch == round(window) else max(32, round(ch * f))
        crop = image[Y1:Y1 + ch, X1:X1 + cw]
        if (out_w, out_h) != (cw, ch):
            crop = cv2.resize(crop, (out_w, out_h), interpolation=cv2.INTER_LINEAR)
        fx, fy = out_w / cw * scale, out_h / ch * scale
        X1, Y1 = X1 / scale, Y1 / scale
        return [
            Detection(d.x1 / fx + X1, d.y1 / fy + Y1, d.x2 / fx + X1, d.y2 / fy + Y1, d.score)
            for d in self.detector.detect(crop, threshold=cfg.refine_threshold)
        ]

    def crop_shapes(self) -> list[tuple[int, int]]:
        """The square crop sizes closer looks use (height, width): from the smallest (a face
        enlarged to `refine_face_px`, with its context and room to move) to `refine_max_input`."""
        cfg = self.settings
        motion = cfg.refine_motion_px * self.width / 1280
        smallest = crop_side(min(2 * max(cfg.refine_face_px * cfg.refine_context / 2, cfg.refine_face_px / 2 + motion),
                                 cfg.refine_max_input))
        return [(s, s) for s in range(smallest, crop_side(cfg.refine_max_input) + 1, 32)]


def found_ahead(found: list[Detection], place, others: list[Detection], *, sure: float) -> list[Detection]:
    """The detections of a look at a guessed `place` that can be the face looked for there:
    about its size, near it, and apart from every face found at least `sure`ly elsewhere.

    A guess is often wrong, and its crop then takes in part of some other face. A weak piece of
    that face would be matched to the face's own track in place of its real box, and pull the
    track off it (on generated clips, taking every such detection hid fewer faces, not more).
    """
    size = max(place[2] - place[0], place[3] - place[1])
    cx, cy = (place[0] + place[2]) / 2, (place[1] + place[3]) / 2
    return [
        d for d in found
        if 0.5 < max(d.x2 - d.x1, d.y2 - d.y1) / size < 2
        and abs((d.x1 + d.x2) / 2 - cx) < size and abs((d.y1 + d.y2) / 2 - cy) < size
        and not any(iou(d.box, o.box) > 0 for o in others if o.score >= sure)
    ]


def crop_side(pixels: float) -> int:
    """The model's input side for a crop of about `pixels`: the next multiple of 32."""
    return max(32, -(-round(pixels) // 32) * 32)


class RecentLuma:
    """Copies of the luma planes of the last few frames, for following new tracks back in time.

    Copies, because the hiding stage blurs the frames themselves once they are released.
    """

    def __init__(self, width: int, height: int, frames: int):
        self.width, self.height = width, height
        self.planes: collections.deque = collections.deque(maxlen=frames + 1)

    def add(self, idx: int, frame: np.ndarray) -> None:
        if self.planes.maxlen > 1:
            self.planes.append((idx, frame[: self.width * self.height].reshape(self.height, self.width).copy()))

    def follow_births(self, tracker: Tracker, boxes: dict, min_score: float) -> None:
        """Add to a tracker update's `boxes` where each track born in it was before it was found."""
        placed = _Placed(boxes)
        for track, first, box in tracker.born:
            newest_first = [(f, p) for f, p in reversed(self.planes) if f <= first]
            if not newest_first or newest_first[0][0] != first:
                continue
            found = follow_patch([p for _, p in newest_first], box, min_score=min_score)
            for i, b in enumerate(found):
                placed.put(first - 1 - i, track.id, self._clipped(b))
                tracker.cues[(first - 1 - i, track.id)] = "followed back"
        placed.write_back()

    def follow_misses(self, tracker: Tracker, key: int, boxes: dict, min_score: float) -> None:
        """Put where each established track the detector missed on keyframe `key` really was in
        place of its coasting guesses in that update's `boxes`, by following it forward from its
        last detection. The guesses carry on the track's velocity; a small face in a shaking
        camera does not, and the detector misses small and hard faces on some keyframes.

        Lost tracks (ended, still looked for) are followed on too, from where they were last
        known; that moves where the detector looks for them, never what is hidden."""
        missed_ids = {t.id for t in tracker.missed}
        following = tracker.missed + [t for t in tracker.lost if t.id not in missed_ids]
        by_frame = dict(self.planes) if following else {}
        placed = _Placed(boxes)
        for track in following:
            since, box = track.last_known()
            start = (since, tuple(map(float, box)))
            # Following stops at the first frame the face is not matched in, so from the same
            # start it fails again on every later keyframe: in a crowd, hundreds of lost tracks
            # were followed again, in vain, on every frame.
            if track.unfollowable == start:
                continue
            frames = range(since, key + 1)
            if len(frames) < 2 or any(f not in by_frame for f in frames):
                continue
            found = follow_patch([by_frame[f] for f in frames], box, min_score=min_score)
            if found:
                track.seen_frame, track.seen_box = since + len(found), np.array(found[-1])
            else:
                track.unfollowable = start
            if track.id in missed_ids:
                for f, b in zip(frames[1:], found):
                    if placed.has(f, track.id):  # coasted here by this update
                        # Followed at the size it was found at: grown or shrunk with the picture.
                        if tracker.camera is not None:
                            b = _scaled(b, tracker.camera.scale(since, f))
                        placed.put(f, track.id, self._clipped(b))
                        tracker.cues[(f, track.id)] = "followed"
        placed.write_back()

    def _clipped(self, box) -> tuple[float, float, float, float]:
        return (max(0.0, box[0]), max(0.0, box[1]), min(float(self.width), box[2]), min(float(self.height), box[3]))


class _Placed:
    """A tracker update's boxes ({frame: [(track id, box)]}) changed track by track, by frame and
    track id at once (a crowd's frames hold hundreds), and written back as lists in the order the
    changes left them: a box put for a track goes last on its frame, as it was hidden last."""

    def __init__(self, boxes: dict):
        self.boxes = boxes
        self.frames: dict[int, dict] = {}

    def _frame(self, f: int) -> dict:
        if f not in self.frames:
            self.frames[f] = dict(self.boxes.get(f, ()))
        return self.frames[f]

    def has(self, f: int, track_id: int) -> bool:
        return (f in self.frames or f in self.boxes) and track_id in self._frame(f)

    def put(self, f: int, track_id: int, box) -> None:
        here = self._frame(f)
        here.pop(track_id, None)
        here[track_id] = box

    def write_back(self) -> None:
        for f, here in self.frames.items():
            self.boxes[f] = list(here.items())


def _scaled(box, scale: float):
    """`box` scaled by `scale` about its centre."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    hw, hh = (box[2] - box[0]) / 2 * scale, (box[3] - box[1]) / 2 * scale
    return (cx - hw, cy - hh, cx + hw, cy + hh)


def detail_frame_size(source_w: int, source_h: int, height: int, settings: RedactionSettings) -> tuple[int, int] | None:
    """The size keyframes also come at for closer looks at tiny faces: the source's own, up to
    `detail_max_height` lines; None where that is not clearly sharper than the working frames."""
    dh = min(source_h, settings.detail_max_height) // 2 * 2
    if settings.detail_below_px <= 0 or dh < height * 1.25:
        return None
    return max(2, round(source_w * dh / source_h / 2) * 2), dh


def encoder_threads(width: int, height: int) -> int:
    """x264's threads for the release copy: one up to 720p, where one thread keeps up with the
    pipeline and threading costs CPU the detector needs (720p ultrafast: 7% more CPU time with
    two threads than with one); x264's own choice for larger copies."""
    return 1 if width * height <= 1280 * 720 else 0


def _regions_log(*, hidden: HiddenFrames, tracker: Tracker, keyframes: KeyframeDetector, detector: FaceDetector,
                 settings: RedactionSettings, info, input_path: Path, width: int, height: int, mode: str,
                 mute_ranges, bleep_ranges, manual: list[ManualRegion], marks: list[TrackMark], timings: dict) -> RegionsLog:
    """What the run hid, where and why, and what decided it (the pipeline's one writer of the log)."""
    K = max(1, settings.detect_every)
    detail_size = keyframes.detail_size
    scores = tracker.best_scores
    return RegionsLog(
        pipeline_version=PIPELINE_VERSION,
        detector={
            "name": MODEL_NAME,
            "runtime": detector.runtime,
            "model_sha256": detector.model_sha256,
            # Every detector family the first pass ran, each with the package its model came from.
            "families": [detector.family],
            "software": {**detector.software, "ffmpeg": media.ffmpeg_version()},
            "detect_every": K,
            "detect_width": keyframes.small_size[0],
            "sweep_every": settings.sweep_every if keyframes.sweeps else None,
            "sweep_width": keyframes.sweep_size[0] if keyframes.sweeps else None,
            "passes": dict(keyframes.passes),
            # Why each keyframe was one: every Kth frame, a shot cut, the camera's motion,
            # tracked faces that were new, missed or fast, or weak sightings' second looks.
            "keyframes": dict(keyframes.keyframes),
            # Closer looks at faces smaller than detail_below_px took their crop from here.
            "detail_frames": {"width": detail_size[0], "height": detail_size[1], "below_px": settings.detail_below_px}
            if detail_size else None,
            "follow_back_frames": settings.follow_back_frames,
            "score_threshold": settings.tracker.new_track_score,
            "keep_threshold": settings.tracker.keep_track_score,
        },
        input={"name": input_path.name, "width": info.width, "height": info.height},
        width=width, height=height, fps=info.fps, frames=hidden.written,
        mode=mode,
        encoder={"codec": "libx264", "preset": settings.preset, "qp": settings.qp},
        mute_ranges=mute_ranges,
        bleep_ranges=bleep_ranges,
        tracks=[
            TrackRecord(
                id=tid,
                suppressed=len(hidden.spared_frames.get(tid, ())) == len(frames),
                spared=frame_ranges(hidden.spared_frames.get(tid, ())),
                best_score=round(scores[tid], 3) if tid in scores else None,
                found_by=f"{MODEL_NAME}: {tracker.found_by.get(tid, 'detector')}",
                cues=dict(hidden.track_cues.get(tid, {})),
                frames=frames,
            )
            for tid, frames in sorted(hidden.track_frames.items())
        ],
        manual_regions=[
            ManualRecord(id=r.id, reason=r.reason, start_frame=r.start_frame, end_frame=r.end_frame,
                         keyframes=[list(k) for k in r.keyframes], frames=hidden.manual_frames.get(r.id, []))
            for r in manual
        ],
        marks=[
            {"id": m.id, "frames": len(m.boxes), "spared": {str(t): n for t, n in sorted(hidden.mark_spared[m.id].items())}}
            for m in marks
        ],
        timings=timings,
        extra={
            "coordinates": "output pixels, boxes as hidden (the head around each face)",
            "blur_sigma": f"{BLUR_SIGMA_SHARE} x the larger side of each hidden box",
        },
    )


def redact_video(
    input_path: str | os.PathLike,
    output_path: str | os.PathLike,
    *,
    mode: str = "blur",
    log_path: str | os.PathLike | None = None,
    extra_regions: Iterable[dict | ManualRegion] = (),
    suppressed: Iterable[TrackMark] = (),
    mute_ranges: Sequence[tuple[float, float]] = (),
    bleep_ranges: Sequence[tuple[float, float]] = (),
    bleep: bool = False,
    progress: Callable[[float], None] | None = None,
    settings: RedactionSettings | None = None,
    detector: FaceDetector | None = None,
) -> RedactionResult:
    """Render a release copy of `input_path` at `output_path` with every face hidden.

    The output (and the regions log at `log_path`) appear atomically: written to a temporary file
    in the same directory, fsynced and renamed, so a failed or killed run leaves nothing there.
    `suppressed` are automatic tracks of an earlier run a reviewer decided to leave unhidden,
    given by their boxes in that run's log: on each frame, the automatic box that is where the
    marked one was stays unhidden, whatever its track number in this run (see `TrackMark`).
    """
    t_start = time.monotonic()
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    settings = settings or RedactionSettings()
    if settings.max_height > 1080:
        raise ValueError("the release copy may be at most 1080 lines tall")
    mute_ranges = [(float(a), float(b)) for a, b in mute_ranges]
    bleep_ranges = [(float(a), float(b)) for a, b in bleep_ranges]
    if bleep:  # bleep the mute ranges too
        mute_ranges, bleep_ranges = [], sorted(mute_ranges + bleep_ranges)
    for a, b in mute_ranges + bleep_ranges:
        if not 0 <= a < b:
            raise ValueError(f"bad mute range {a}-{b}")
    input_path, output_path = Path(input_path), Path(output_path)
    info = media.probe(input_path)
    width, height = media.output_size(info.width, info.height, settings.max_height)
    sx, sy = width / info.width, height / info.height
    manual = [
        r if isinstance(r, ManualRegion) else ManualRegion.from_dict(r, i)
        for i, r in enumerate(extra_regions)
    ]
    marks = list(suppressed)
    detector = detector or FaceDetector(threads=1)
    keyframes = KeyframeDetector(detector, width, height, settings)
    K = max(1, settings.detect_every)
    lookback = max(settings.tracker.pad_before + K, settings.follow_back_frames)
    camera = CameraPath(width, height, frames=lookback + settings.tracker.leave_frames + settings.tracker.relook_frames)
    tracker = Tracker(settings.tracker, width, height, camera=camera)
    recent = RecentLuma(width, height, settings.follow_back_frames)
    frame_bytes = width * height * 3 // 2
    timings = collections.Counter()
    stages = Stages(timings)
    stop = stages.stop
    # Room for a keyframe's worth of frames on each side of the detector, so decode and encode
    # keep going while a slow (sweep) keyframe is being searched; before the scan stage, room
    # for a sweep's period, so each sweep made ahead can start a period before it is needed
    # (fewer frames than the hiding stage holds).
    q_frames: queue.Queue = queue.Queue(maxsize=max(2 * K, keyframes.sweeps_ahead(K)) + 2)
    q_scanned: queue.Queue = queue.Queue(maxsize=2 * K + 2)
    q_ready: queue.Queue = queue.Queue(maxsize=2 * K + 2)

    dec_err = tempfile.TemporaryFile()
    enc_err = tempfile.TemporaryFile()
    detail_size = detail_frame_size(info.width, info.height, height, settings)
    detail_pipe = os.pipe() if detail_size else None
    if detail_pipe:
        media.widen_pipe(detail_pipe[1])
    try:
        decoder = media.StreamingRun(
            media.decoder_command(
                input_path, width, height, source_pixels=info.width * info.height,
                detail=(*detail_size, K, detail_pipe[1]) if detail_size else None,
            ),
            media.limits_for(info.duration), stderr=dec_err, buffered=False,
            pass_fds=(detail_pipe[1],) if detail_pipe else (),
        )
    except BaseException:
        if detail_pipe:
            os.close(detail_pipe[0])
        raise
    finally:
        if detail_pipe:
            os.close(detail_pipe[1])  # the decoder holds the writing end now
    media.widen_pipe(decoder.stdout.fileno())
    detail_in = os.fdopen(detail_pipe[0], "rb", buffering=0) if detail_pipe else None
    keyframes.detail_size = detail_size
    # Detail frames wait here for the follow stage, which is at most the frame queues' length
    # (about 2 keyframes each) behind the decoder.
    q_detail: queue.Queue | None = queue.Queue(maxsize=8) if detail_in is not None else None

    decoded = enumerate(raw_frames(decoder.stdout, frame_bytes))
    ahead = SweepsAhead(keyframes, K, stop, timings) if keyframes.sweeps_ahead(K) else None
    if ahead is not None:
        decoded = ahead.decoded(decoded)
        stages.add("redact-sweep", ahead.run)
    stages.add("redact-decode", lambda: feed(q_frames, decoded, stop))
    stages.add("redact-scan", lambda: scan_keyframes(
        q_frames, q_scanned, stop, keyframes=keyframes, width=width, height=height, every=K,
        room=settings.refine_motion_px * width / 1280, timings=timings, ahead=ahead,
    ))
    stages.add("redact-follow", lambda: follow_faces(
        q_scanned, q_ready, stop, keyframes=keyframes, tracker=tracker, camera=camera, recent=recent,
        detail=DetailFrames(q_detail, K, stop), settings=settings, every=K, timings=timings,
    ))
    if detail_in is not None:
        detail_frames = raw_frames(detail_in, detail_size[0] * detail_size[1] * 3 // 2)
        stages.add("redact-detail", lambda: feed(q_detail, ((n * K, f) for n, f in enumerate(detail_frames)), stop))
    encoder = None
    try:
        with atomic_output(output_path, suffix=".mp4") as tmp_out, scratch_beside(output_path, suffix=".enc.mp4") as encoded:
            encoder = media.StreamingRun(
                media.encoder_command(
                    encoded, source=input_path, width=width, height=height, rate=info.rate,
                    has_audio=info.has_audio, audio_rate=info.audio_rate, mute_ranges=mute_ranges,
                    bleep_ranges=bleep_ranges, preset=settings.preset, qp=settings.qp,
                    threads=encoder_threads(width, height),
                ),
                media.limits_for(info.duration), stdin=True, stdout=False, stderr=enc_err, buffered=False,
            )
            media.widen_pipe(encoder.stdin.fileno())
            hidden = HiddenFrames(
                encoder.stdin, width=width, height=height, settings=settings, mode=mode, marks=marks, manual=manual,
                scale=(sx, sy), settle_frames=lookback, every=K, timings=timings, total_frames=info.frames,
                progress=progress,
            )
            stages.start()
            cpu = time.thread_time()
            while (item := get(q_ready, stop)) is not END:
                hidden.add(item)
            hidden.finish()
            timings["redact-hide_cpu_s"] += time.thread_time() - cpu
            stages.raise_first_error()
            encoder.stdin.close()
            t0 = time.monotonic()
            if encoder.wait().returncode != 0:
                raise RedactionError(f"ffmpeg encoder failed: {_tail(enc_err)}")
            timings["encoder_drain_s"] += time.monotonic() - t0
            t0 = time.monotonic()
            remux = media.run_tool(media.remux_command(encoded, tmp_out), media.limits_for(info.duration))
            if remux.returncode != 0:
                raise RedactionError(f"ffmpeg remux failed: {remux.stderr[-2000:]}")
            timings["remux_s"] += time.monotonic() - t0
            if decoder.wait().returncode != 0:
                raise RedactionError(f"ffmpeg decoder failed: {_tail(dec_err)}")
            if hidden.written == 0:
                raise RedactionError(f"no frames decoded from {input_path}: {_tail(dec_err)}")
    except Stopped:
        stages.raise_first_error()
        raise RedactionError("redaction stopped") from None
    finally:
        stop.set()
        for proc in (decoder, encoder):
            if proc is not None:
                proc.close()
        stages.close()
        dec_err.close()
        enc_err.close()
        if detail_in is not None:
            detail_in.close()

    timings["total_s"] = time.monotonic() - t_start
    timings = {k: round(v, 3) for k, v in timings.items()}
    written = hidden.written
    log = _regions_log(
        hidden=hidden, tracker=tracker, keyframes=keyframes, detector=detector, settings=settings, info=info,
        input_path=input_path, width=width, height=height, mode=mode, mute_ranges=mute_ranges,
        bleep_ranges=bleep_ranges, manual=manual, marks=marks, timings=timings,
    )
    if log_path is not None:
        log.write(log_path)
    if progress:
        progress(1.0)
    return RedactionResult(
        output_path=output_path,
        log_path=Path(log_path) if log_path else None,
        log=log,
        frames=written,
        width=width,
        height=height,
        timings=timings,
    )


def _tail(f) -> str:
    f.seek(0)
    return f.read()[-2000:].decode(errors="replace").strip()
