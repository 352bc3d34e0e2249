"""The regions log: what a render hid, where and why, one record per run of the pipeline.

The pipeline writes it (`RegionsLog.write`) beside the release copy and the release keeps it;
the review page, the second check, the manifest, Content Credentials and the public "what was
hidden" sentences read it. All of them read it through `RegionsLog.from_dict`, the one reader,
which accepts the logs of every earlier pipeline version and never fails on a malformed stored log
(what cannot be read is left out, so a reader shows less, never a 500).

Boxes are `[frame, x1, y1, x2, y2]` in the release copy's pixels for automatic tracks; manual
regions keep their own keyframes in the source's pixels and their followed boxes in the copy's.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Frame = list  # [frame, x1, y1, x2, y2]


def _int(value: Any, default: int = 0) -> int:
    if isinstance(value, bool):
        return default
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return default


def _float(value: Any, default: float = 0.0) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return default
    return number if math.isfinite(number) else default


_NUMBER = (int, float)  # by type(), so True and False are not numbers here


def _boxes(entries: Any) -> list[Frame]:
    """Well-formed `[frame, x1, y1, x2, y2]` entries, in order; anything else is left out. A log
    holds one entry per frame per face, so this is written for speed: a stored entry that is
    already right is kept as it is, not copied."""
    boxes = []
    for entry in entries if isinstance(entries, list) else ():
        if type(entry) not in (list, tuple) or len(entry) < 5:
            continue
        frame, x1, y1, x2, y2 = entry[0], entry[1], entry[2], entry[3], entry[4]
        if type(frame) is not int or frame < 0:
            continue
        if not (type(x1) in _NUMBER and type(y1) in _NUMBER and type(x2) in _NUMBER and type(y2) in _NUMBER):
            continue
        if x1 - x1 or y1 - y1 or x2 - x2 or y2 - y2:
            continue  # infinite or not a number: x - x is nan, which is true, for both
        boxes.append(entry if type(entry) is list and len(entry) == 5 else [frame, x1, y1, x2, y2])
    return boxes


def _ranges(pairs: Any, cast=_int) -> list[list]:
    """[[first, last], ...] pairs; a pair that is not two numbers is left out."""
    ranges = []
    for pair in pairs if isinstance(pairs, list) else ():
        if isinstance(pair, (list, tuple)) and len(pair) == 2:
            first, last = cast(pair[0], None), cast(pair[1], None)
            if first is not None and last is not None:
                ranges.append([first, last])
    return ranges


def _frames_of(ranges: Iterable[list[int]]) -> set[int]:
    frames: set[int] = set()
    for first, last in ranges:
        frames.update(range(first, last + 1))
    return frames


@dataclass(frozen=True)
class TrackRecord:
    """One face the detector followed, with the box hidden on each frame it was seen."""

    id: int | None
    frames: list[Frame]
    kind: str = "auto"
    # Left unhidden on every frame by a reviewer's mark; `spared` lists the [first, last] runs of
    # frames a mark left unhidden (the rest of a track its mark no longer matched is hidden).
    suppressed: bool = False
    spared: list[list[int]] = field(default_factory=list)
    best_score: float | None = None
    found_by: str = ""
    cues: dict[str, int] = field(default_factory=dict)  # what placed its boxes: frames per cue

    @classmethod
    def from_dict(cls, data: Mapping) -> TrackRecord | None:
        if not isinstance(data, Mapping):
            return None
        number = data.get("id")
        cues = data.get("cues")
        score = data.get("best_score")
        return cls(
            # A track without a number is still counted as hidden; it cannot be chosen for review.
            id=number if isinstance(number, int) and not isinstance(number, bool) else None,
            frames=_boxes(data.get("frames")),
            kind=str(data.get("kind") or "auto"),
            suppressed=data.get("suppressed") is True,
            spared=_ranges(data.get("spared")),
            best_score=_float(score) if score is not None else None,
            found_by=str(data.get("found_by") or ""),
            cues={str(k): _int(v) for k, v in cues.items()} if isinstance(cues, Mapping) else {},
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "suppressed": self.suppressed, "spared": self.spared,
            "best_score": self.best_score, "found_by": self.found_by, "cues": self.cues, "frames": self.frames,
        }

    def hidden_frames(self) -> set[int]:
        """The frames on which this track's box was hidden in the release copy."""
        if self.suppressed:
            return set()
        return {f[0] for f in self.frames} - _frames_of(self.spared)


@dataclass(frozen=True)
class ManualRecord:
    """A region a reviewer drew: its keyframes as drawn and the box followed on each frame."""

    id: str
    reason: str
    start_frame: int
    end_frame: int
    keyframes: list = field(default_factory=list)
    frames: list[Frame] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: Mapping) -> ManualRecord | None:
        if not isinstance(data, Mapping):
            return None
        start, end = _int(data.get("start_frame"), -1), _int(data.get("end_frame"), -1)
        keyframes = data.get("keyframes")
        return cls(
            id=str(data.get("id") or ""),
            reason=str(data.get("reason") or "other"),
            start_frame=start,
            end_frame=end,
            keyframes=keyframes if isinstance(keyframes, list) else [],
            frames=_boxes(data.get("frames")),
        )

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "start_frame": self.start_frame, "end_frame": self.end_frame,
                "keyframes": self.keyframes, "reason": self.reason, "frames": self.frames}

    def hidden_frames(self) -> set[int]:
        """The frames it covered: those it was followed on, else its drawn range."""
        if self.frames:
            return {f[0] for f in self.frames}
        return set(range(self.start_frame, self.end_frame + 1)) if 0 <= self.start_frame <= self.end_frame else set()


@dataclass(frozen=True)
class RegionsLog:
    """Everything one render hid. `extra` keeps what the release adds to the stored log (the
    second check's report, the decisions rendered, the render job) and any key a later pipeline
    writes that this version does not know, so reading and writing a log loses nothing."""

    pipeline_version: str = ""
    frames: int = 0  # frames written to the release copy
    width: int = 0  # the release copy's size and rate
    height: int = 0
    fps: float = 0.0
    mode: str = ""
    tracks: list[TrackRecord] = field(default_factory=list)
    manual_regions: list[ManualRecord] = field(default_factory=list)
    # Reviewers' "do not redact" marks: {"id", "frames", "spared": {track id: frames}}.
    marks: list[dict] = field(default_factory=list)
    mute_ranges: list[list[float]] = field(default_factory=list)  # seconds silenced
    bleep_ranges: list[list[float]] = field(default_factory=list)  # seconds silenced, with a tone
    detector: dict = field(default_factory=dict)  # families, versions, model hashes, pass schedule
    input: dict = field(default_factory=dict)  # the source's name and size
    encoder: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    _TYPED = ("pipeline_version", "frames", "output", "mode", "tracks", "manual_regions", "marks",
              "mute_ranges", "bleep_ranges", "bleep", "detector", "input", "encoder", "timings")

    @classmethod
    def from_dict(cls, data: Mapping | None) -> RegionsLog:
        """The one reader of a stored or written log."""
        if not isinstance(data, Mapping):
            return cls()
        output = data.get("output") if isinstance(data.get("output"), Mapping) else {}
        mute, bleep = data.get("mute_ranges"), data.get("bleep_ranges")
        if "bleep_ranges" not in data and data.get("bleep") is True:
            # Pipeline 1.1 and before had one switch for all ranges.
            mute, bleep = [], mute
        tracks = [TrackRecord.from_dict(t) for t in data.get("tracks") or () if isinstance(data.get("tracks"), list)]
        manual = [ManualRecord.from_dict(r) for r in data.get("manual_regions") or ()
                  if isinstance(data.get("manual_regions"), list)]

        def mapping(key: str) -> dict:
            value = data.get(key)
            return dict(value) if isinstance(value, Mapping) else {}

        return cls(
            pipeline_version=str(data.get("pipeline_version") or ""),
            frames=_int(data.get("frames"), _int(output.get("frames"))),
            width=_int(output.get("width")),
            height=_int(output.get("height")),
            fps=_float(output.get("fps")),
            mode=str(data.get("mode") or ""),
            tracks=[t for t in tracks if t is not None],
            manual_regions=[r for r in manual if r is not None],
            marks=[m for m in data.get("marks") or () if isinstance(m, Mapping)] if isinstance(data.get("marks"), list) else [],
            mute_ranges=_ranges(mute, _float_or_none),
            bleep_ranges=_ranges(bleep, _float_or_none),
            detector=mapping("detector"),
            input=mapping("input"),
            encoder=mapping("encoder"),
            timings=mapping("timings"),
            extra={k: v for k, v in data.items() if k not in cls._TYPED},
        )

    def as_dict(self) -> dict[str, Any]:
        """The log as written: the one shape every reader reads back."""
        return {
            "pipeline_version": self.pipeline_version,
            "detector": self.detector,
            "input": self.input,
            "output": {"width": self.width, "height": self.height, "fps": self.fps, "frames": self.frames},
            "mode": self.mode,
            "encoder": self.encoder,
            "mute_ranges": self.mute_ranges,
            "bleep_ranges": self.bleep_ranges,
            "tracks": [t.as_dict() for t in self.tracks],
            "manual_regions": [r.as_dict() for r in self.manual_regions],
            "marks": self.marks,
            "frames": self.frames,
            **self.extra,
            **({"timings": self.timings} if self.timings else {}),
        }

    def write(self, path: str | os.PathLike) -> None:
        """The one writer: the whole log or none of it at `path`."""
        from media.atomic import atomic_output

        with atomic_output(path, suffix=".json") as tmp:
            tmp.write_text(json.dumps(self.as_dict(), separators=(",", ":")))

    @classmethod
    def read(cls, path: str | os.PathLike) -> RegionsLog:
        """A log file written by `write` (or by an earlier pipeline); ValueError if it is not JSON."""
        with open(path, encoding="utf-8") as f:
            return cls.from_dict(json.load(f))

    @property
    def source_size(self) -> tuple[int, int]:
        """The source's size as displayed; manual regions' keyframes are in these pixels."""
        return _int(self.input.get("width")), _int(self.input.get("height"))

    def track(self, track_id: int) -> TrackRecord | None:
        return next((t for t in self.tracks if t.id == track_id and track_id is not None), None)

    def hidden_tracks(self) -> list[TrackRecord]:
        """Tracks hidden on at least some frame (not left unhidden whole by a reviewer)."""
        return [t for t in self.tracks if not t.suppressed]

    def face_hidden_frames(self) -> set[int]:
        """Frames on which any automatic face box was hidden: the union over tracks."""
        frames: set[int] = set()
        for track in self.tracks:
            frames |= track.hidden_frames()
        return frames

    def audio_ranges(self) -> dict[str, list[list[float]]]:
        """Seconds of sound treated, by treatment ("mute", "bleep")."""
        return {"mute": self.mute_ranges, "bleep": self.bleep_ranges}


def _float_or_none(value: Any, default=None):
    number = _float(value, math.nan) if value is not None else math.nan
    return default if math.isnan(number) else number
