"""Face tracks between keyframe detections.

Detection runs on at least every Kth frame. A track is matched to the next keyframe's detections
by IoU of its constant-velocity prediction (or, for small fast faces, by centre distance); the
frames in between get boxes carried from the one detection to the next. A track is kept `pad_before` frames before its first
detection and coasts on its velocity up to `pad_after` frames after its last one, so a face missed
on a keyframe or two, or seen a little late, is still hidden.

Between detections a box follows the picture (`motion.CameraPath`: pans, shakes and zooms move
every face alike) and the face's own velocity, measured from its detections with the camera's
motion taken out. A box the detector has not confirmed for a while grows with that time, with the
face's speed and with its change of size: where the face may be is covered by area. Detection
comes as often as the tracks need (`detect_intervals`): every frame or every second one for faces
that are new, missed or fast, and a keyframe may look at those faces only (`update(looked=...)`).

A weak detection (too unsure to start a track, which would blur every shadow that looks a little
like a face) becomes a candidate: it is not hidden yet, but the detector takes a closer look at it
on the next keyframe, and if the face is there again the candidate becomes a track whose boxes
reach back to the first sighting (and `pad_before` frames before it). Hard faces (small, grey,
tightly cropped, badly lit) score low on every single keyframe; this is how they are found at all.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from .detector import Detection
from .motion import CameraPath
from .regions import inside_matrix, iou, iou_matrix

Box = tuple[float, float, float, float]

# A track's velocity comes from a few keyframes' boxes and is noisy: a coasting box follows it
# for this many frames (a third of a second), then holds.
TRUST_VELOCITY_FRAMES = 10

# The calm keyframe interval, in frames: the unit `coast_growth` is a share per.
KEYFRAME_SPAN = 5

# Faces are found again from frame to frame (`follow_patch`) at a scale where their box's shorter
# side is under twice this, then placed between that scale's pixels.
FOLLOW_FULL_PX = 24


@dataclass
class Track:
    id: int
    box: np.ndarray  # last detected box
    frame: int  # frame of the last detection
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(4))  # per frame
    hits: int = 1
    best_score: float = 0.0
    # Where the face was last known to be, detected or followed by template matching.
    seen_frame: int = -1
    seen_box: np.ndarray | None = None
    emitted: int = -1  # the last frame a box of this track was given for
    first: tuple[int, np.ndarray] | None = None  # frame and box of its first detection
    looked: int = -1  # the last keyframe that looked for it
    history: list = field(default_factory=list)  # (frame, box) of its last few detections
    found_by: str = "detector"  # what started it: a sure detection, or a weak one seen again
    # Keyframes since its last detection that looked everywhere while its face would have been
    # at least half in the frame, and found nothing there.
    unseen: int = 0
    # The (frame, box) following the face on from failed at once; it fails so from there again.
    unfollowable: tuple | None = None

    def last_known(self) -> tuple[int, np.ndarray]:
        if self.seen_box is not None and self.seen_frame > self.frame:
            return self.seen_frame, self.seen_box
        return self.frame, self.box

    def predict(self, frame: int) -> np.ndarray:
        return self.box + self.velocity * min(frame - self.frame, TRUST_VELOCITY_FRAMES)


@dataclass
class TrackerConfig:
    # A detection this sure starts a track; a weaker one must be seen again (`confirm_score`),
    # since every false track takes closer looks that hard real faces need.
    new_track_score: float = 0.35
    keep_track_score: float = 0.05  # a weaker one may only continue an existing track
    candidate_score: float = 0.1  # one this sure is looked at again on the next keyframe ...
    confirm_score: float = 0.3  # ... and starts a track if it is seen there again this surely
    pad_before: int = 10
    pad_after: int = 15  # for a track seen on few keyframes (perhaps a false detection)
    pad_after_established: int = 45  # for a track seen on `established_hits` keyframes or more
    established_hits: int = 4
    min_iou: float = 0.1
    match_px: float = 32.0  # small faces match within this distance (at 1280 wide) whatever their size
    coast_growth: float = 0.15  # boxes grow by this share per keyframe span without a detection
    # After an established track ends, the detector keeps looking closely at its last known place
    # for this many frames: a hard face the detector lost for longer than the track lasts is
    # found again there, and following back hides the gap.
    relook_frames: int = 90
    # A weak sighting where a second look found nothing this many frames ago or less waits behind
    # the others for its next second look.
    dismissed_frames: int = 90
    # ... and, where it was moving, also where it would be had it kept moving for up to this many
    # frames since its last detection: a face that walks behind something comes out further along.
    look_ahead_frames: int = 45
    # A face's velocity is measured between detections at least this many frames apart where it
    # has them: the detector's boxes jitter by a few pixels, which from one frame to the next
    # would read as a fast face.
    velocity_frames: int = 5
    # A coasting box that is leaving the frame goes on at the face's speed until it is out, for up
    # to this many frames since the face was last detected, however long coasting lasts otherwise.
    leave_frames: int = 90
    # ... unless the face is confirmed gone: this many keyframes that looked everywhere found
    # nothing where it would have been while it was still at least half in the frame.
    gone_after: int = 3
    # A box's sides move out by this share of the face's speed per frame since it was last
    # confirmed: its speed may have changed since, by about this much.
    speed_margin: float = 0.25


class Tracker:
    def __init__(self, config: TrackerConfig | None = None, width: int = 0, height: int = 0,
                 camera: CameraPath | None = None):
        self.config = config or TrackerConfig()
        self.width, self.height = width, height
        self.camera = camera
        self.tracks: list[Track] = []
        self.next_id = 1
        self.prev_key: int | None = None
        self.best_scores: dict[int, float] = {}
        self.candidates: list[Track] = []  # weak detections of the last keyframe, not hidden yet
        self.looking: list[Track] = []  # the candidates given their second look (`waiting`)
        # (frame, box) of places a second look found no face at, for `dismissed_frames`.
        self.dismissed: list[tuple[int, np.ndarray]] = []
        self.born: list[tuple[Track, int, np.ndarray]] = []  # (track, first frame, first box) of the last update
        self.missed: list[Track] = []  # established tracks the last update coasted for want of a detection
        self.lost: list[Track] = []  # established tracks ended within `relook_frames`, still looked for
        # What placed each box of the last update: (frame, track id) -> "detected", "between
        # detections", "coasting" or "before first sighting" (the pipeline adds "followed" ones).
        self.cues: dict[tuple[int, int], str] = {}
        self.found_by: dict[int, str] = {}  # track id -> what started it

    def lookback(self, detect_every: int) -> int:
        """How many frames before a keyframe its update may still emit boxes for.

        A candidate confirmed on this keyframe was first seen one keyframe earlier, and is hidden
        from `pad_before` frames before that.
        """
        return self.config.pad_before + detect_every

    def carry(self, box: np.ndarray, start: int, end: int) -> np.ndarray:
        """`box` on frame `start` moved with the picture to frame `end`."""
        if self.camera is None or start == end:
            return np.asarray(box, dtype=float)
        return self.camera.carry(box, start, end)

    def carry_boxes(self, boxes: list, starts: list[int], end: int) -> np.ndarray:
        """`carry` of each of `boxes` from its frame of `starts` to frame `end` (len(boxes) x 4)."""
        boxes = np.array(boxes, dtype=float).reshape(-1, 4)
        return boxes if self.camera is None else self.camera.carry_many(boxes, starts, end)

    def carry_frames(self, box: np.ndarray, start: int, frames) -> np.ndarray:
        """`carry` of `box` from frame `start` to each of `frames` (len(frames) x 4)."""
        if self.camera is None:
            return np.repeat(np.asarray(box, dtype=float)[None, :], len(frames), axis=0)
        return self.camera.carry_to(box, start, frames)

    def predict(self, t: Track, frame: int) -> np.ndarray:
        """Where the track's face is expected on `frame`: its last box carried with the picture,
        then moved on by its own velocity (held after `TRUST_VELOCITY_FRAMES`, as it is noisy)."""
        return self.carry(t.box, t.frame, frame) + t.velocity * min(frame - t.frame, TRUST_VELOCITY_FRAMES)

    def predict_all(self, tracks: list[Track], frame: int) -> np.ndarray:
        """`predict` of every track of `tracks` at once (N x 4), with the same arithmetic: a
        crowd's hundreds of tracks are predicted on every frame."""
        if not tracks:
            return np.zeros((0, 4))
        boxes = np.array([t.box for t in tracks], dtype=float)
        if self.camera is not None:
            boxes = self.camera.carry_many(boxes, [t.frame for t in tracks], frame)
        steps = np.array([min(frame - t.frame, TRUST_VELOCITY_FRAMES) for t in tracks], dtype=float)
        return boxes + np.array([t.velocity for t in tracks], dtype=float) * steps[:, None]

    def detect_intervals(self, tracks: list[Track], most: int, key: int) -> list[int]:
        """For each track, how many frames after it was last looked for it wants the next look (at
        most `most`), on frame `key`: one or two while it is new or newly missed (for two Kth-frame
        intervals since its last detection; then it is looked for on the keyframes that look
        everywhere), or while it moves its own size in fewer frames (as far as a closer look
        leaves room for). All tracks at once: a crowd's hundreds are asked on every frame."""
        if not tracks:
            return []
        cfg = self.config
        box = np.array([t.box for t in tracks], dtype=float)
        v = np.array([t.velocity for t in tracks], dtype=float)
        frame = np.array([t.frame for t in tracks])
        hits = np.array([t.hits for t in tracks])
        looked = np.array([t.looked for t in tracks])
        size = np.maximum(np.maximum(box[:, 2] - box[:, 0], box[:, 3] - box[:, 1]), 1.0)
        centre = (v[:, :2] + v[:, 2:]) / 2
        speed = np.hypot(centre[:, 0], centre[:, 1])
        moving = speed > 0
        own = np.floor(np.minimum(most, size / np.where(moving, speed, 1.0)))
        n = np.where(moving, np.maximum(1, own), most)
        missed = (frame < looked) & (hits >= cfg.established_hits)
        n = np.where((hits < 3) | missed, np.minimum(n, 2), n)
        return np.where(key - frame > 2 * most, most, n).astype(np.int64).tolist()

    def due(self, key: int, most: int, limit: int | None = None) -> list[Track]:
        """The tracks that want a detection on frame `key`: that long since they were last looked
        for; the most overdue (for their interval) first, smaller faces first among equals, at
        most `limit` of them. The rest stay due and come first on the next frames: in a crowd,
        looks between keyframes cost a fixed amount per frame, however many faces want one."""
        wanting = []
        for t, interval in zip(self.tracks, self.detect_intervals(self.tracks, most, key)):
            waited = key - max(t.frame, t.looked)
            if waited >= interval:
                wanting.append((-waited / interval, float(t.box[3] - t.box[1]), t.id, t))
        wanting.sort(key=lambda w: w[:3])
        return [w[3] for w in wanting[:limit]]

    def waiting(self, frame: int, most: int) -> list[tuple]:
        """`most` weak sightings of the last keyframe that looked everywhere, carried with the
        picture to `frame`, for their second look: the likeliest first, but those where a second
        look lately found nothing last (a pattern the detector scores above a real small face is
        there on every keyframe, and would take every look). They are the ones the next
        `update(confirm=True)` takes as looked at."""
        recent = [(f, box) for f, box in self.dismissed if frame - f <= self.config.dismissed_frames]
        gone = self.carry_boxes([box for _, box in recent], [f for f, _ in recent], frame)
        here = self.carry_boxes([c.box for c in self.candidates], [c.frame for c in self.candidates], frame)
        dismissed = (iou_matrix(here, gone) > 0.3).any(axis=1) if len(here) and len(gone) else np.zeros(len(here), bool)
        order = sorted(range(len(here)), key=lambda i: bool(dismissed[i]))  # stable: likeliest first within each
        self.looking = [self.candidates[i] for i in order[:most]]
        return [tuple(here[i]) for i in order[:most]]

    def update(self, key: int, detections: list[Detection], looked=None, confirm: bool = False) -> dict[int, list[tuple[int, Box]]]:
        """Take a keyframe's detections; return boxes per frame for frames up to `key`.

        Frames after each track's last box get boxes of continuing tracks; frames up to
        `pad_before` before `key` get the boxes of tracks that start here. `born` lists the
        tracks started here, for following them back in time.

        `looked` (track ids) makes it a keyframe that looked for those faces only: other tracks
        are left as they were, and faces not tracked yet wait for the next keyframe that looks at
        the whole picture. With `confirm`, its looks also took in the weak sightings (`waiting`):
        one seen again starts a track, and the others have had their second look.
        """
        cfg = self.config
        prev = self.prev_key if self.prev_key is not None else key - 1
        out: dict[int, dict[int, Box]] = {}
        self.cues = {}

        def emit(f: int, t: Track, box: np.ndarray, cue: str) -> None:
            clipped = self._clip(box)
            if clipped[2] <= clipped[0] or clipped[3] <= clipped[1]:  # wholly outside the frame
                return
            out.setdefault(f, {})[t.id] = clipped
            self.cues[(f, t.id)] = cue
            t.emitted = max(t.emitted, f)

        def emit_all(frames, t: Track, boxes: np.ndarray, cue) -> None:
            """`emit` of each row of `boxes` on its frame; `cue(f)` names each one's cue."""
            for f, box in zip(frames, boxes.tolist()):
                emit(f, t, box, cue(f))

        self.born, self.missed = [], []
        dets = [d for d in detections if d.score >= cfg.keep_track_score]
        for t in self.tracks:
            if looked is None or t.id in looked:
                t.looked = key
        # Only the faces looked for take a detection: a closer look at one often sees part of
        # another, larger face, which would pull that face's box off it.
        matchable = range(len(self.tracks)) if looked is None else [i for i, t in enumerate(self.tracks) if t.id in looked]
        pairs = [(g, matchable[ti], di) for g, ti, di in self._pairs([self.tracks[i] for i in matchable], dets, key)]
        pairs.sort(reverse=True)
        used_t, used_d = set(), set()
        for _, ti, di in pairs:
            if ti in used_t or di in used_d:
                continue
            used_t.add(ti)
            used_d.add(di)
            t, d = self.tracks[ti], dets[di]
            found = np.array(d.box)
            span = key - t.frame
            # A part of the face becomes the track's box no more than it is hidden alone: the next
            # look would take a part of the part for the whole (`_adopted`).
            new, region = self._adopted(t, found, key)
            cue = "detected" if new is found else "detected in part"
            # The picture's motion carries the last box along; what is left of the way to the
            # new one is the face's own, spread evenly over the frames in between.
            own = region - self.carry(t.box, t.frame, key)
            between = range(max(t.emitted, t.frame) + 1, key + 1)
            shares = np.array([(f - t.frame) / span for f in between], dtype=float).reshape(-1, 1)
            emit_all(between, t, self.carry_frames(t.box, t.frame, between) + own * shares,
                     lambda f: cue if f == key else "between detections")
            since, before = next(((f, b) for f, b in reversed(t.history) if key - f >= cfg.velocity_frames), t.history[0])
            v = (new - self.carry(before, since, key)) / (key - since)
            t.velocity = v if t.hits == 1 else 0.5 * t.velocity + 0.5 * v
            t.history = (t.history + [(key, new)])[-8:]
            t.box, t.frame = new, key
            t.hits += 1
            t.unseen = 0
            if t.hits == 2 and t.first is not None and np.any(t.velocity):
                self._entered(t, emit_all)
            t.best_score = max(t.best_score, d.score)
            self.best_scores[t.id] = t.best_score

        alive = []
        for ti, t in enumerate(self.tracks):
            if ti in used_t:
                alive.append(t)
                continue
            if looked is not None and t.id not in looked:
                alive.append(t)
                continue
            established = t.hits >= cfg.established_hits
            pad_after = cfg.pad_after_established if established else cfg.pad_after
            if looked is None and self.width and self._share_inside(self._face_at(t, key)) >= 0.5:
                t.unseen += 1
            coasting = [f for f in range(max(t.emitted, t.frame) + 1, key + 1) if self._coasting(t, f, pad_after)]
            if coasting:
                emit_all(coasting, t, self._extrapolate(t.box, t.frame, t.velocity, coasting), lambda f: "coasting")
            if established and max(prev, t.frame) + 1 - t.frame <= pad_after:
                self.missed.append(t)
            if self._coasting(t, key + 1, pad_after):
                alive.append(t)
            elif established:
                self.lost.append(t)
        self.tracks = alive
        self.lost = [t for t in self.lost if key - t.frame <= cfg.pad_after_established + cfg.relook_frames]

        if looked is not None and not confirm:  # weak sightings wait for their second look
            rest = []
        else:
            rest = [di for di in range(len(dets)) if di not in used_d and dets[di].score >= cfg.confirm_score]
        # A candidate from the last keyframe seen again becomes a track from its first sighting.
        waiting = self.looking if confirm else self.candidates
        cand_pairs = self._pairs(waiting, [dets[di] for di in rest], key)
        used_c = set()
        for _, ci, ri in sorted(cand_pairs, reverse=True):
            di = rest[ri]
            if ci in used_c or di in used_d:
                continue
            used_c.add(ci)
            used_d.add(di)
            c, d = waiting[ci], dets[di]
            t = self._start(d, key, since=c)
            self.born.append((t, c.frame, c.box))
            for f in range(max(0, c.frame - cfg.pad_before), c.frame):
                emit(f, t, self.carry(c.box, c.frame, f), "before first sighting")
            own = t.box - self.carry(c.box, c.frame, key)
            for f in range(c.frame, key + 1):
                a = (f - c.frame) / max(key - c.frame, 1)
                emit(f, t, self.carry(c.box, c.frame, f) + own * a, "detected" if f in (c.frame, key) else "between detections")

        candidates = []
        inside = self._inside_tracks([d.box for d in dets], key) if looked is None else None
        for di, d in enumerate(dets):
            # A keyframe that looked for some faces only starts no tracks: more whole-frame passes
            # would be more chances for a false one, and a new face is found on the next Kth frame.
            if di in used_d or looked is not None:
                continue
            if d.score >= cfg.new_track_score:
                t = self._start(d, key)
                self.born.append((t, key, t.box))
                before = range(max(0, key - cfg.pad_before), key + 1)
                emit_all(before, t, self.carry_frames(t.box, key, before),
                         lambda f: "detected" if f == key else "before first sighting")
            elif d.score >= cfg.candidate_score and inside[di] < 0.5:  # else a part of a face hidden already
                candidates.append(Track(0, np.array(d.box), key, best_score=d.score))
        if looked is None:
            self.candidates = sorted(candidates, key=lambda c: -c.best_score)
        elif confirm:
            self.dismissed = [(f, b) for f, b in self.dismissed if key - f <= cfg.dismissed_frames]
            self.dismissed += [(key, self.carry(c.box, c.frame, key)) for ci, c in enumerate(waiting) if ci not in used_c]
            self.candidates, self.looking = [], []
        self.prev_key = key
        return {f: list(boxes.items()) for f, boxes in out.items()}

    def _adopted(self, t: Track, box: np.ndarray, key: int) -> tuple[np.ndarray, np.ndarray]:
        """The track's face on keyframe `key` given the detection `box` matched to it, and the
        region hidden there: both `box` itself where it is about the face's expected size.

        Where it is a part (`_whole_face`), the face is that part grown to the size the face can
        still have, and the region also takes in the face's motion-predicted box and its last box
        carried with the picture: which side of the face the part lies on cannot be told from the
        part, and whether the face kept its speed since cannot be told either (a small fast face
        that slowed was left behind a region placed at the prediction)."""
        face = self._whole_face(t, box, key)
        if face is box:
            return box, box
        expected, stayed = self.predict(t, key), self.carry(t.box, t.frame, key)
        return face, np.concatenate([np.minimum(np.minimum(face[:2], expected[:2]), stayed[:2]),
                                     np.maximum(np.maximum(face[2:], expected[2:]), stayed[2:])])

    def _whole_face(self, t: Track, box: np.ndarray, key: int) -> np.ndarray:
        """The face of track `t` (seen on three keyframes or more) on keyframe `key`, given the
        detection `box` matched to it: the box, but on each axis at least the expected face's size
        less the share a box may shrink by in that time (`coast_growth`), placed as near the
        expected face as takes the box in.

        With the picture's zoom carried, a face shrinks slowly: a box much smaller than the face
        was a moment ago is a part of it (the rest covered, or scored lower than the part), and
        hiding that part alone leaves the face's edges visible."""
        if t.hits < 3:
            return box
        expected = self.predict(t, key)
        least = (expected[2:] - expected[:2]) * max(0.0, 1 - self.config.coast_growth * (key - t.frame) / KEYFRAME_SPAN)
        part = box[2:] - box[:2]
        if np.all(part >= least):
            return box
        size = np.maximum(part, least)
        start = np.clip(expected[:2], box[2:] - size, box[:2])  # `size` from there takes `box` in
        return np.concatenate([start, start + size])

    def out_of_sight(self, key: int) -> list[Box]:
        """Where each established track the detector has not seen for longer than its coasting
        box follows its velocity would be on keyframe `key` had it kept moving as it was (for up
        to `look_ahead_frames`), where that is not about where it is looked for anyway (its
        coasting box, or a lost track's last known place) and still in the frame.

        A face that went behind something, or that the detector lost while it walked on, comes
        out further along its way, not where it was last seen, and a small face is too small for
        the whole-frame passes to find it again there.

        The place is the last detected box moved on by its centre's velocity, at the size it
        had. Carried on for up to `look_ahead_frames`, the velocity of the box's sides (noisy
        from keyframe to keyframe) grew a 45 px face's place to 127 px, too large to be enlarged
        and too large for a 20 px find there to count as the face (`found_ahead`), or shrank it
        to a speck no look is taken at: a hard grey face that came out from behind a larger one
        was not looked for again."""
        cfg = self.config
        looked_for = list(zip(self.tracks, self.predict_all(self.tracks, key))) + [(t, t.last_known()[1]) for t in self.lost]
        places = []
        for t, looked in looked_for:
            since = key - t.frame
            if t.hits < cfg.established_hits or since <= TRUST_VELOCITY_FRAMES:
                continue
            move = (t.velocity[:2] + t.velocity[2:]) / 2 * min(since, cfg.look_ahead_frames)
            ahead = self.carry(t.box, t.frame, key) + np.concatenate([move, move])
            cx, cy = (ahead[0] + ahead[2]) / 2, (ahead[1] + ahead[3]) / 2
            inside = 0 <= cx < (self.width or np.inf) and 0 <= cy < (self.height or np.inf)
            if inside and iou(tuple(ahead), tuple(looked)) < 0.3:
                places.append(self._clip(ahead))
        return places

    def _start(self, d: Detection, key: int, since: Track | None = None) -> Track:
        t = Track(self.next_id, np.array(d.box), key, best_score=d.score, emitted=key, first=(key, np.array(d.box)))
        t.history = [(key, t.box)]
        if since is not None:
            t.history = [(since.frame, since.box), (key, t.box)]
            if key - since.frame >= self.config.velocity_frames:  # nearer, the boxes' jitter reads as speed
                t.velocity = (t.box - self.carry(since.box, since.frame, key)) / (key - since.frame)
            t.hits = 2
            t.best_score = max(d.score, since.best_score)
            t.found_by = "weak sighting seen again"
        self.next_id += 1
        self.best_scores[t.id] = t.best_score
        self.found_by[t.id] = t.found_by
        self.tracks.append(t)
        return t

    def _inside_tracks(self, boxes: list, key: int) -> np.ndarray:
        """For each of `boxes`, the largest share of it inside one track's box on `key`."""
        if not boxes or not self.tracks:
            return np.zeros(len(boxes))
        return inside_matrix(boxes, self.predict_all(self.tracks, key)).max(axis=1)

    def _pairs(self, tracks: list[Track], dets: list[Detection], key: int) -> list[tuple[float, int, int]]:
        """(goodness, track index, detection index) for every plausible match.

        A face seen once has no velocity yet: it may have moved up to about its own width a frame
        since (a person walking past close to the camera), so it is matched that far away."""
        cfg = self.config
        if not tracks or not dets:
            return []
        # Every track against every detection at once: on a crowd, hundreds of each.
        pred = self.predict_all(tracks, key)
        boxes = np.array([d.box for d in dets], dtype=float)
        ph = pred[:, 3] - pred[:, 1]
        size = np.maximum(np.maximum(pred[:, 2] - pred[:, 0], ph), 1.0)
        pc = (pred[:, :2] + pred[:, 2:]) / 2
        reach = np.array([0.8 + (min(key - t.frame, 2) if t.hits == 1 else 0) for t in tracks])
        ov = iou_matrix(pred, boxes)
        dc = (boxes[:, :2] + boxes[:, 2:]) / 2
        dist_px = np.hypot(dc[None, :, 0] - pc[:, None, 0], dc[None, :, 1] - pc[:, None, 1])
        dist = dist_px / size[:, None]
        ratio = np.maximum(boxes[:, 3] - boxes[:, 1], 1.0)[None, :] / np.maximum(ph, 1.0)[:, None]
        near = (dist < reach[:, None]) | (dist_px < cfg.match_px * (self.width or 1280) / 1280)
        ok = (ov >= cfg.min_iou) | (near & (ratio > 0.5) & (ratio < 2.0))
        goodness = ov - 0.1 * dist
        ti, di = np.nonzero(ok)
        return list(zip(goodness[ti, di].tolist(), ti.tolist(), di.tolist()))

    def _coasting(self, t: Track, f: int, pad_after: int) -> bool:
        """Whether the track still has a box on frame `f`: for `pad_after` frames after its last
        detection, and on while its box is leaving the frame, until it is out (a face that walked
        out of the picture is hidden until it has)."""
        since = f - t.frame
        if since <= pad_after:
            return True
        if since > self.config.leave_frames or not self.width or not np.any(t.velocity):
            return False
        if t.unseen >= self.config.gone_after:
            return False
        return self._leaving(self._face_at(t, f))

    def _face_at(self, t: Track, f: int) -> np.ndarray:
        """Where the track's face (its box without margins) would be on frame `f` had it kept
        moving as it was when last detected."""
        return self.carry(t.box, t.frame, f) + _centre_moved(t.velocity, f - t.frame)

    def _share_inside(self, box: np.ndarray) -> float:
        """The share of `box` inside the frame."""
        x1, y1, x2, y2 = box
        area = max(x2 - x1, 1e-6) * max(y2 - y1, 1e-6)
        inside = max(0.0, min(x2, self.width) - max(x1, 0.0)) * max(0.0, min(y2, self.height) - max(y1, 0.0))
        return float(inside / area)

    def _leaving(self, box: np.ndarray) -> bool:
        """Whether a face's box (not its margins) lies across the frame's edge."""
        x1, y1, x2, y2 = box
        inside = x2 > 0 and y2 > 0 and x1 < self.width and y1 < self.height
        return inside and (x1 < 0 or y1 < 0 or x2 > self.width or y2 > self.height)

    def _extrapolate(self, box: np.ndarray, frame: int, v: np.ndarray, frames: list[int]) -> np.ndarray:
        """A face's box on frame `frame`, on each of `frames` (later or earlier; len(frames) x 4)
        had it kept its velocity `v`: carried with the picture, its centre moved on at the face's
        own speed, at least its size (growing as the face grew), and wider by its uncertainty: a
        share of its size and of its speed for every frame from `frame`. All frames at once: a
        crowd's coasting boxes are hundreds a keyframe."""
        cfg = self.config
        steps = np.array(frames, dtype=np.int64) - frame
        dt = np.abs(steps)
        moved = self.carry_frames(box, frame, frames)
        c = (moved[:, :2] + moved[:, 2:]) / 2 + (v[:2] + v[2:]) / 2 * steps[:, None]
        size = moved[:, 2:] - moved[:, :2]
        growth = (v[2:] - v[:2]) / np.maximum(box[2:] - box[:2], 1.0)  # share of its size per frame
        size = size * np.maximum(1.0, 1 + np.sign(steps)[:, None] * growth * np.minimum(dt, TRUST_VELOCITY_FRAMES)[:, None])
        speed = float(np.hypot(*((v[:2] + v[2:]) / 2)))
        half = size / 2 * (1 + cfg.coast_growth * dt / KEYFRAME_SPAN)[:, None] + (cfg.speed_margin * speed * dt)[:, None]
        return np.concatenate([c - half, c + half], axis=1)

    def _entered(self, t: Track, emit_all) -> None:
        """On a track's second detection, its first one's padding before it (`pad_before` frames
        where it was first seen) is moved back along the way it came, and reaches back until that
        way leaves the frame: a face that came in fast was far from its first box before it."""
        cfg = self.config
        first, box = t.first
        frames = []
        for f in range(first - 1, max(-1, first - cfg.leave_frames), -1):
            if first - f > cfg.pad_before:
                face = self.carry(box, first, f) + _centre_moved(t.velocity, f - first)
                if not self.width or not self._leaving(face):
                    break
            frames.append(f)
        if frames:
            emit_all(frames, t, self._extrapolate(box, first, t.velocity, frames), lambda f: "before first sighting")

    def _clip(self, box) -> Box:
        x1, y1, x2, y2 = box.tolist() if isinstance(box, np.ndarray) else map(float, box)
        if self.width:
            w, h = float(self.width), float(self.height)
            # max(0.0, x) and min(w, x), written out: called for every box of every frame
            x1, x2 = x1 if x1 > 0.0 else 0.0, x2 if x2 < w else w
            y1, y2 = y1 if y1 > 0.0 else 0.0, y2 if y2 < h else h
        return (x1, y1, x2, y2)


def _centre_moved(v: np.ndarray, frames: int) -> np.ndarray:
    """How far a box moves in `frames` (negative: back in time) at its centre's velocity."""
    move = (v[:2] + v[2:]) / 2 * frames
    return np.concatenate([move, move])


def follow_patch(planes, box, *, min_score: float = 0.6, context: float = 1.0,
                 search: float = 0.6) -> list[Box]:
    """Follow a face from one frame through the next ones (forward or backward in time).

    `planes[0]` is the luma plane the face is at `box` in; the rest are the frames to follow it
    through, in order. The face itself is found again in each frame by normalised
    cross-correlation in a window around its last position (not with its surroundings, which move
    with the camera, not with the person, and pull the match off the face), and the template is
    refreshed as it goes, so slow changes of pose and size are followed. Stops at the first frame
    where the best match is weaker than `min_score`: there the face has left, was covered, or
    changed too much. Returns the boxes found, in order.

    A face at least twice `FOLLOW_FULL_PX` wide and tall is matched in windows shrunk by a whole
    factor, so its template's shorter side is under twice that: the cost of matching grows with
    the fourth power of the face's size. Its place there is interpolated between the shrunk pixels (from
    the scores beside the best one), and the next template is taken at full resolution at the
    nearest whole pixel: placed only to the shrunk scale, the error would carry over from frame
    to frame in the templates.
    """
    if len(planes) < 2:
        return []
    h, w = planes[0].shape
    x1, y1, x2, y2 = (float(v) for v in box)
    bw, bh = x2 - x1, y2 - y1
    if bw < 4 or bh < 4:
        return []
    k = max(1, int(min(bw, bh) // FOLLOW_FULL_PX))
    tw, th = max(8, round(bw * context / k)) * k, max(8, round(bh * context / k)) * k
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2

    def shrunk(area):
        return area if k == 1 else cv2.resize(area, (area.shape[1] // k, area.shape[0] // k), interpolation=cv2.INTER_AREA)

    X1, Y1 = round(cx - tw / 2), round(cy - th / 2)
    if X1 < 0 or Y1 < 0 or X1 + tw > w or Y1 + th > h:
        return []
    template = planes[0][Y1:Y1 + th, X1:X1 + tw]
    if float(template.std()) < 4:  # flat: nothing to follow
        return []
    found: list[Box] = []
    mx, my = max(6, round(tw * search / k)) * k, max(6, round(th * search / k)) * k
    for plane in planes[1:]:
        X1, Y1 = max(0, round(cx - tw / 2) - mx), max(0, round(cy - th / 2) - my)
        X2, Y2 = min(w, round(cx + tw / 2) + mx), min(h, round(cy + th / 2) + my)
        X2, Y2 = X2 - (X2 - X1) % k, Y2 - (Y2 - Y1) % k
        if Y2 - Y1 < th or X2 - X1 < tw:
            break
        scores = cv2.matchTemplate(shrunk(plane[Y1:Y2, X1:X2]), shrunk(template), cv2.TM_CCOEFF_NORMED)
        _, best, _, (bx, by) = cv2.minMaxLoc(scores)
        if best < min_score:
            break
        tx, ty = float(X1 + bx * k), float(Y1 + by * k)
        if k > 1:
            tx += _peak_offset(scores[by], bx) * k
            ty += _peak_offset(scores[:, bx], by) * k
        cx, cy = tx + tw / 2, ty + th / 2
        found.append((cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2))
        # A face leaving the frame is followed on with its template moved inside: the next box
        # is then placed up to that distance inward, still over the face's visible part (with
        # the callers' context of 1 the template is the box's size, so no more of the box was
        # outside the frame than that distance).
        tx, ty = min(max(0, round(tx)), w - tw), min(max(0, round(ty)), h - th)
        template = plane[ty:ty + th, tx:tx + tw]
    return found


def _peak_offset(scores: np.ndarray, best: int) -> float:
    """How far the peak of a row of scores lies from its best sample `best`, from that score and
    its two neighbours (a parabola through them): -0.5 to 0.5; 0 at either end of the row."""
    if not 0 < best < len(scores) - 1:
        return 0.0
    left, mid, right = (float(v) for v in scores[best - 1:best + 2])
    curve = left - 2 * mid + right
    return 0.0 if curve >= 0 else max(-0.5, min(0.5, 0.5 * (left - right) / curve))
