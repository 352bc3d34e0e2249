"""Regions a reviewer adds by hand: boxes over a frame range, linearly interpolated between keyframes."""
from __future__ import annotations

import bisect
from dataclasses import dataclass

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class ManualRegion:
    """Keyframes are (frame, x1, y1, x2, y2) in the input video's displayed pixel coordinates.

    Before the first keyframe and after the last one (within start..end) the nearest keyframe's
    box holds.
    """

    start_frame: int
    end_frame: int
    keyframes: tuple[tuple[int, float, float, float, float], ...]
    id: str = ""
    reason: str = ""

    @classmethod
    def from_dict(cls, data: dict, index: int = 0) -> "ManualRegion":
        keys = tuple(sorted((int(k[0]), *map(float, k[1:5])) for k in data["keyframes"]))
        if not keys:
            raise ValueError("a manual region needs at least one keyframe")
        start = int(data.get("start_frame", keys[0][0]))
        end = int(data.get("end_frame", keys[-1][0]))
        if end < start:
            raise ValueError(f"manual region ends (frame {end}) before it starts (frame {start})")
        return cls(start, end, keys, str(data.get("id") or f"m{index + 1}"), str(data.get("reason", "")))

    def box_at(self, frame: int) -> Box | None:
        if not self.start_frame <= frame <= self.end_frame:
            return None
        frames = [k[0] for k in self.keyframes]
        i = bisect.bisect_right(frames, frame)
        if i == 0:
            return self.keyframes[0][1:]
        if i == len(frames):
            return self.keyframes[-1][1:]
        (f0, *a), (f1, *b) = self.keyframes[i - 1], self.keyframes[i]
        t = (frame - f0) / (f1 - f0)
        return tuple(p * (1 - t) + q * t for p, q in zip(a, b))

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "start_frame": self.start_frame,
            "end_frame": self.end_frame,
            "keyframes": [list(k) for k in self.keyframes],
            "reason": self.reason,
        }
