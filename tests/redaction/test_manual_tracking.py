"""A reviewer's box drawn on one frame follows its object over the range they chose."""
from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from redaction import redact_video
from redaction.manual_tracking import track_regions

from .conftest import render_detector

W, H, FPS = 320, 240, 30
PATCH = 48


def patch_x(frame: int) -> float:
    return 20 + 60 * frame / FPS  # the overlay below moves 60 px a second


def moving_patch_clip(path):
    """A textured square crossing a flat grey frame, 2 px a frame, on frames 0..89."""
    graph = (
        f"color=c=gray:s={W}x{H}:r={FPS}:d=3[bg];testsrc=s={PATCH}x{PATCH}:r={FPS}:d=3[p];"
        f"[bg][p]overlay=x='20+60*t':y=96:shortest=1,format=yuv420p[v]"
    )
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-filter_complex", graph, "-map", "[v]", "-c:v", "libx264",
         "-preset", "ultrafast", "-qp", "10", "-threads", "1", str(path)],
        check=True,
    )
    return path


def gray_frames(path) -> np.ndarray:
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        check=True, capture_output=True,
    ).stdout
    return np.frombuffer(out, np.uint8).reshape(-1, H, W).astype(np.float32)


@pytest.fixture
def clip(tmp_path):
    if not shutil.which("ffmpeg"):
        pytest.fail("ffmpeg is missing: `make test` installs it (scripts/ensure_system_packages.sh)")
    return moving_patch_clip(tmp_path / "patch.mp4")


def test_a_box_drawn_on_one_keyframe_is_tracked_over_its_range_and_hidden_on_every_frame(clip, tmp_path):
    key = 40
    region = {"id": "c1", "reason": "licence_plate", "start_frame": 15, "end_frame": 70,
              "keyframes": [[key, patch_x(key), 96, patch_x(key) + PATCH, 96 + PATCH]]}
    [tracked] = track_regions(clip, [region])
    assert sorted(tracked.frames) == list(range(15, 71))
    # The same keyframes give the same boxes on every run: a release copy must be reproducible.
    assert track_regions(clip, [region])[0].frames == tracked.frames
    # It follows the object rather than growing over its whole path.
    assert all(b[2] - b[0] < 1.5 * PATCH for b in tracked.frames.values())

    out = tmp_path / "released.mp4"
    result = redact_video(clip, out, mode="fill", extra_regions=[tracked], detector=render_detector())

    source, released = gray_frames(clip), gray_frames(out)
    for f in range(15, 71):
        x = int(round(patch_x(f)))
        inside = released[f, 98:96 + PATCH - 2, x + 2:x + PATCH - 2]
        assert inside.max() < 40, f"the patch shows on frame {f}"
    # Outside the range the patch is left as it was.
    x = int(round(patch_x(80)))
    assert np.abs(released[80, 96:96 + PATCH, x:x + PATCH] - source[80, 96:96 + PATCH, x:x + PATCH]).mean() < 10
    # The regions log lists every frame of the range, so the public page's duration is true.
    [logged] = result.log.manual_regions
    assert [f[0] for f in logged.frames] == list(range(15, 71))
