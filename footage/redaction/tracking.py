"""Face tracks between keyframe detections.

Detection runs on every Kth frame. A track is matched to the next keyframe's detections by IoU of
its constant-velocity prediction (or, for small fast faces, by centre distance); the frames in
between get linearly interpolated boxes. A track is kept `pad_before` frames before its first
detection and coasts on its velocity up to `pad_after` frames after its last one, so a face missed
on a keyframe or two, or seen a little late, is still hidden.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .detector import Detection

Box = tuple[float, float, float, float]


def iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


@dataclass
class Track:
    id: int
    box: np.ndarray  # last detected box
    frame: int  # frame of the last detection
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(4))  # per frame
    hits: int = 1
    best_score: float = 0.0

    def predict(self, frame: int) -> np.ndarray:
        # Velocity from two keyframes is noisy: trust it for a third of a second, then hold.
        return self.box + self.velocity * min(frame - self.frame, 10)


@dataclass
class TrackerConfig:
    new_track_score: float = 0.3  # a detection this sure starts a track
    keep_track_score: float = 0.05  # a weaker one may only continue an existing track
    pad_before: int = 10
    pad_after: int = 15  # for a track seen on few keyframes (perhaps a false detection)
    pad_after_established: int = 45  # for a track seen on `established_hits` keyframes or more
    established_hits: int = 4
    min_iou: float = 0.1
    match_px: float = 32.0  # small faces match within this distance (at 1280 wide) whatever their size
    coast_growth: float = 0.15  # boxes grow by this share per keyframe without a detection


class Tracker:
    def __init__(self, config: TrackerConfig | None = None, width: int = 0, height: int = 0):
        self.config = config or TrackerConfig()
        self.width, self.height = width, height
        self.tracks: list[Track] = []
        self.next_id = 1
        self.prev_key: int | None = None
        self.best_scores: dict[int, float] = {}

    def update(self, key: int, detections: list[Detection]) -> dict[int, list[tuple[int, Box]]]:
        """Take a keyframe's detections; return boxes per frame for frames up to `key`.

        Frames after the previous keyframe get boxes of continuing tracks; frames up to
        `pad_before` before `key` get the boxes of tracks that start here.
        """
        cfg = self.config
        prev = self.prev_key if self.prev_key is not None else key - 1
        out: dict[int, list[tuple[int, Box]]] = {}

        def emit(f: int, tid: int, box: np.ndarray) -> None:
            out.setdefault(f, []).append((tid, self._clip(box)))

        dets = [d for d in detections if d.score >= cfg.keep_track_score]
        pairs = []
        for ti, t in enumerate(self.tracks):
            pred = t.predict(key)
            pw, ph = pred[2] - pred[0], pred[3] - pred[1]
            size = max(pw, ph, 1.0)
            pc = (pred[:2] + pred[2:]) / 2
            for di, d in enumerate(dets):
                ov = iou(tuple(pred), d.box)
                dc = np.array([(d.x1 + d.x2) / 2, (d.y1 + d.y2) / 2])
                dist_px = float(np.hypot(*(dc - pc)))
                dist = dist_px / size
                ratio = max(d.y2 - d.y1, 1.0) / max(ph, 1.0)
                near = dist < 0.8 or dist_px < cfg.match_px * (self.width or 1280) / 1280
                if ov >= cfg.min_iou or (near and 0.5 < ratio < 2.0):
                    pairs.append((ov - 0.1 * dist, ti, di))
        pairs.sort(reverse=True)
        used_t, used_d = set(), set()
        for _, ti, di in pairs:
            if ti in used_t or di in used_d:
                continue
            used_t.add(ti)
            used_d.add(di)
            t, d = self.tracks[ti], dets[di]
            new = np.array(d.box)
            span = key - t.frame
            for f in range(prev + 1, key + 1):
                a = (f - t.frame) / span
                emit(f, t.id, t.box * (1 - a) + new * a)
            v = (new - t.box) / span
            t.velocity = v if t.hits == 1 else 0.5 * t.velocity + 0.5 * v
            t.box, t.frame = new, key
            t.hits += 1
            t.best_score = max(t.best_score, d.score)
            self.best_scores[t.id] = t.best_score

        alive = []
        for ti, t in enumerate(self.tracks):
            if ti in used_t:
                alive.append(t)
                continue
            pad_after = cfg.pad_after_established if t.hits >= cfg.established_hits else cfg.pad_after
            for f in range(prev + 1, key + 1):
                if f - t.frame <= pad_after:
                    emit(f, t.id, self._coast(t, f))
            if key - t.frame < pad_after:
                alive.append(t)
        self.tracks = alive

        for di, d in enumerate(dets):
            if di in used_d or d.score < cfg.new_track_score:
                continue
            t = Track(self.next_id, np.array(d.box), key, best_score=d.score)
            self.next_id += 1
            self.best_scores[t.id] = d.score
            self.tracks.append(t)
            for f in range(max(0, key - cfg.pad_before), key + 1):
                emit(f, t.id, t.box)
        self.prev_key = key
        return out

    def _coast(self, t: Track, f: int) -> np.ndarray:
        box = t.predict(f)
        grow = 1 + self.config.coast_growth * (f - t.frame) / 5
        c = (box[:2] + box[2:]) / 2
        half = (box[2:] - box[:2]) / 2 * grow
        return np.concatenate([c - half, c + half])

    def _clip(self, box: np.ndarray) -> Box:
        x1, y1, x2, y2 = (float(v) for v in box)
        if self.width:
            x1, x2 = max(0.0, x1), min(float(self.width), x2)
            y1, y2 = max(0.0, y1), min(float(self.height), y2)
        return (x1, y1, x2, y2)
