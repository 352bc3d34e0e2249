"""Synthetic clips from ffmpeg's test sources: demo data and test fixtures, made in a second."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from .runner import FFMPEG, GIB, Limits, check, run_tool


def make_test_clip(
    dst: str | os.PathLike[str],
    seconds: float = 3,
    size: tuple[int, int] = (640, 360),
    with_audio: bool = True,
    metadata: Mapping[str, str] | None = None,
    *,
    fps: int = 30,
    faststart: bool = False,
    preset: str = "ultrafast",
    timeout: float = 600,
) -> Path:
    """An H.264/AAC clip of a moving test pattern and a tone. The container follows dst's suffix
    (.mp4, .mov, .mkv, .ts...). `metadata` keys such as creation_time, location (ISO 6709), make,
    model are written as container tags."""
    dst = Path(dst)
    width, height = size
    args: list[str] = [
        FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={fps}:duration={seconds}",
    ]
    if with_audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
    args += ["-map", "0:v"] + (["-map", "1:a"] if with_audio else [])
    args += ["-c:v", "libx264", "-preset", preset, "-pix_fmt", "yuv420p", "-g", str(fps)]
    if with_audio:
        args += ["-c:a", "aac", "-b:a", "96k"]
    for key, value in (metadata or {}).items():
        args += ["-metadata", f"{key}={value}"]
    if dst.suffix.lower() in (".mp4", ".mov", ".m4v"):
        flags = "+use_metadata_tags" + ("+faststart" if faststart else "")
        args += ["-movflags", flags]
    fd, tmp = tempfile.mkstemp(prefix=f".{dst.stem}.", suffix=dst.suffix, dir=dst.parent)
    os.close(fd)
    try:
        limits = Limits(timeout=timeout, memory_bytes=4 * GIB, cpu_seconds=int(timeout * 4))
        check(run_tool([*args, tmp], limits), limits, "making a test clip")
        os.replace(tmp, dst)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return dst
