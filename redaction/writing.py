"""The hide-and-encode stage, in the caller's thread: each frame waits until no later keyframe can
change its boxes (a new track is followed back in time), then its regions are hidden and it goes
to the encoder; what was hidden where is recorded for the regions log."""
from __future__ import annotations

import collections
import time
from collections.abc import Callable, Sequence

from .errors import RedactionError
from .hiding import grid_margin, head_box, hide
from .regions import ManualRegion, TrackMark, spared_boxes


class HiddenFrames:
    """Frames in from the follow stage, hidden frames out to `encoder_in`, in order."""

    def __init__(self, encoder_in, *, width: int, height: int, settings, mode: str, marks: Sequence[TrackMark],
                 manual: Sequence[ManualRegion], scale: tuple[float, float], settle_frames: int, every: int,
                 timings: collections.Counter, total_frames: int = 0,
                 progress: Callable[[float], None] | None = None):
        self._encoder_in = encoder_in
        self._width, self._height, self._settings, self._mode = width, height, settings, mode
        self._marks, self._manual, self._scale = list(marks), list(manual), scale
        self._settle_frames, self._every = settle_frames, every
        self._timings, self._total, self._progress = timings, total_frames, progress
        self._last_progress = 0.0
        self._edge_px = grid_margin(width, settings.detect_width)
        self._waiting: collections.deque = collections.deque()  # [idx, frame, {track_id: box}, {track_id: cue}]
        # What the regions log records.
        self.written = 0
        self.track_frames: dict[int, list] = collections.defaultdict(list)
        self.track_cues: dict[int, collections.Counter] = collections.defaultdict(collections.Counter)
        self.spared_frames: dict[int, list] = collections.defaultdict(list)  # track id -> frames left unhidden
        self.mark_spared: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.manual_frames: dict[str, list] = collections.defaultdict(list)

    def add(self, item) -> None:
        """One frame from the follow stage, with the boxes its keyframe assigned (to it and to
        earlier frames still waiting)."""
        idx, frame, dets, cues = item
        self._waiting.append([idx, frame, {}, {}])
        if dets is None:
            return
        first = self._waiting[0][0]
        for f, assigned in dets.items():
            if f >= first:
                entry = self._waiting[f - first]
                for tid, box in assigned:
                    entry[2][tid] = box
                    entry[3][tid] = cues.get((f, tid), "detected")
        # No later keyframe can reach back past this point.
        while self._waiting and self._waiting[0][0] < idx + self._every - self._settle_frames:
            self._write(self._waiting.popleft())

    def finish(self) -> None:
        while self._waiting:
            self._write(self._waiting.popleft())

    def _write(self, entry) -> None:
        idx, frame, auto, cues = entry
        settings, width, height = self._settings, self._width, self._height
        boxes = []
        padded = {
            tid: head_box(box, width, height, grow_w=settings.box_grow_w, grow_h=settings.box_grow_h, edge_px=self._edge_px)
            for tid, box in auto.items()
        }
        for tid, cue in cues.items():
            self.track_cues[tid][cue] += 1
        spared = spared_boxes(padded, self._marks, idx) if self._marks else {}
        for tid, box in padded.items():
            self.track_frames[tid].append([idx, round(box[0], 1), round(box[1], 1), round(box[2], 1), round(box[3], 1)])
            if tid in spared:
                self.spared_frames[tid].append(idx)
                self.mark_spared[spared[tid]][tid] += 1
            else:
                boxes.append(box)
        sx, sy = self._scale
        for region in self._manual:
            box = region.box_at(idx)
            if box is not None:
                scaled = (box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy)
                self.manual_frames[region.id].append([idx, *(round(v, 1) for v in scaled)])
                boxes.append(scaled)
        t0 = time.monotonic()
        if boxes:
            hide(frame, width, height, boxes, self._mode)
        t1 = time.monotonic()
        try:
            self._encoder_in.write(frame.data)
        except BrokenPipeError:
            raise RedactionError("the encoder stopped early") from None
        self._timings["hide_s"] += t1 - t0
        self._timings["write_s"] += time.monotonic() - t1
        self.written += 1
        if self._progress and self._total:
            frac = min(self.written / self._total, 0.999)
            if frac - self._last_progress >= 0.01:
                self._last_progress = frac
                self._progress(frac)
