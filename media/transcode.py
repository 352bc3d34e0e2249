"""Derivatives of an original: the web-playable proxy staff watch, a poster frame, and a strip of
thumbnails for scrubbing. The original is only ever read.

Every output is written to a hidden temporary file beside its destination and renamed into place
when complete, so a destination path either holds a whole file or nothing: a crashed, killed or
cancelled job leaves at most a `.*.part` file behind, never a partial proxy. Cancel a running
proxy by raising from the `progress` callback.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import images
from .atomic import atomic_output
from .errors import ProcessingError
from .probe import MediaInfo, input_url, probe_media
from .runner import FFMPEG, GIB, Limits, StreamingRun, check, run_tool

Progress = Callable[[float], None]

PROXY_BOX = (1280, 720)  # "720p", turned upright for portrait video


@dataclass(frozen=True)
class ProxyResult:
    path: Path
    width: int
    height: int
    duration: float | None
    size: int
    has_audio: bool


@dataclass(frozen=True)
class ImageResult:
    path: Path
    width: int
    height: int


@dataclass(frozen=True)
class StripResult:
    path: Path
    width: int
    height: int
    count: int
    tile_width: int
    times: tuple[float, ...]  # seconds into the video of each tile, left to right


def make_proxy(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    *,
    progress: Progress | None = None,
    info: MediaInfo | None = None,
    box: tuple[int, int] = PROXY_BOX,
    crf: int = 23,
    preset: str = "veryfast",
    audio_bitrate: str = "128k",
    timeout: float | None = None,
    memory_bytes: int = 4 * GIB,
    cpu_seconds: int | None = None,
) -> ProxyResult:
    """H.264/AAC MP4, moov first (plays while downloading), at most 1280×720 (720×1280 upright),
    even dimensions, yuv420p. `progress(fraction)` is called as the encode advances, 1.0 at the end.
    Default time limits scale with the duration: 300 s + 20 s wall and 40 s CPU per media second."""
    src, dst = Path(src), Path(dst)
    info = info or probe_media(src)
    if info.kind != "video":
        raise ProcessingError("unsupported", "Photos have no video proxy; make a poster instead.")
    duration = info.duration or 0.0
    width, height = _fit(_display_size(info), box)
    limits = Limits(
        timeout=timeout or 300 + 20 * duration,
        memory_bytes=memory_bytes,
        cpu_seconds=cpu_seconds or int(300 + 40 * duration),
    )
    gop = max(1, round((info.fps or 30) * 2))  # a keyframe every 2 s keeps browser seeking snappy
    with atomic_output(dst) as tmp:
        args = [
            FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-nostats", "-progress", "pipe:1",
            "-protocol_whitelist", "file,pipe", "-i", input_url(src),
            "-map", "0:v:0", "-map", "0:a:0?", "-sn", "-dn", "-map_metadata", "-1", "-map_chapters", "-1",
            # yadif touches only frames flagged interlaced (1080i dashcams, broadcast TS).
            "-vf", f"yadif=deint=interlaced,scale={width}:{height}:flags=bicubic,setsar=1,format=yuv420p",
            "-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-profile:v", "high",
            "-g", str(gop), "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", audio_bitrate, "-ac", "2",
            "-movflags", "+faststart", "-f", "mp4", str(tmp),
        ]
        with StreamingRun(args, limits) as run:
            for line in run.lines():
                key, _, value = line.partition("=")
                if progress and key == "out_time_us" and duration > 0:
                    try:
                        done = int(value) / 1e6 / duration
                    except ValueError:
                        continue
                    progress(min(max(done, 0.0), 0.999))
            check(run.wait(), limits, "making the web proxy")
    if progress:
        progress(1.0)
    return ProxyResult(
        path=dst,
        width=width,
        height=height,
        duration=info.duration,
        size=dst.stat().st_size,
        has_audio=info.has_audio,
    )


def make_poster(
    src: str | os.PathLike[str],
    dst_jpg: str | os.PathLike[str],
    at_seconds: float | None = None,
    *,
    info: MediaInfo | None = None,
    box: tuple[int, int] = PROXY_BOX,
    timeout: float = 60,
    memory_bytes: int = 2 * GIB,
) -> ImageResult:
    """One JPEG: the frame at `at_seconds` (default: 1 s in, or the middle of a shorter clip),
    fitted in `box`. For a photo, the photo itself, upright, downscaled, without its EXIF."""
    src, dst = Path(src), Path(dst_jpg)
    info = info or probe_media(src)
    if info.kind == "image":
        if info.width is None:
            raise ProcessingError("unsupported", f"No preview can be made of {info.format.upper()} photos here.")
        width, height = images.write_image_poster(src, dst, max_side=max(box))
        return ImageResult(dst, width, height)
    duration = info.duration or 0.0
    at = min(1.0, duration / 2) if at_seconds is None else at_seconds
    at = max(0.0, min(at, duration - 0.1)) if duration > 0.2 else 0.0
    width, height = _fit(_display_size(info), box)
    limits = Limits(timeout=timeout, memory_bytes=memory_bytes, cpu_seconds=int(timeout * 2))
    with atomic_output(dst) as tmp:
        result = run_tool(
            [FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-protocol_whitelist", "file",
             "-ss", f"{at:.3f}", "-i", input_url(src), "-map", "0:v:0", "-frames:v", "1",
             "-vf", f"scale={width}:{height}:flags=bicubic,setsar=1", "-q:v", "3",
             "-f", "image2", "-c:v", "mjpeg", str(tmp)],
            limits,
        )
        check(result, limits, "making the poster")
        _require_output(tmp, f"no picture at {at:.1f} s")
    return ImageResult(dst, width, height)


def make_region_thumbnail(
    src: str | os.PathLike[str],
    dst_jpg: str | os.PathLike[str],
    at_seconds: float,
    box: tuple[float, float, float, float],
    *,
    side: int = 96,
    margin: float = 0.25,
    timeout: float = 30,
    memory_bytes: int = 2 * GIB,
) -> Path:
    """A small JPEG of one region of the frame at `at_seconds`: `box` is (x1, y1, x2, y2) as
    fractions of the upright picture's width and height, widened by `margin` of its size on each
    side for context, and scaled to fit `side` pixels."""
    x1, y1, x2, y2 = (min(1.0, max(0.0, float(v))) for v in box)
    if x2 <= x1 or y2 <= y1:
        raise ProcessingError("bad_region", "the region has no area")
    dx, dy = (x2 - x1) * margin, (y2 - y1) * margin
    x1, y1, x2, y2 = max(0.0, x1 - dx), max(0.0, y1 - dy), min(1.0, x2 + dx), min(1.0, y2 + dy)
    crop = f"crop=max(2\\,iw*{x2 - x1:.5f}):max(2\\,ih*{y2 - y1:.5f}):iw*{x1:.5f}:ih*{y1:.5f}"
    fit = f"scale={side}:{side}:force_original_aspect_ratio=decrease:flags=bicubic,setsar=1"
    dst = Path(dst_jpg)
    limits = Limits(timeout=timeout, memory_bytes=memory_bytes, cpu_seconds=int(timeout * 2))
    with atomic_output(dst) as tmp:
        result = run_tool(
            [FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-protocol_whitelist", "file",
             "-ss", f"{max(0.0, at_seconds):.3f}", "-i", input_url(src), "-map", "0:v:0", "-frames:v", "1",
             "-vf", f"{crop},{fit}", "-q:v", "4", "-f", "image2", "-c:v", "mjpeg", str(tmp)],
            limits,
        )
        check(result, limits, "making a region thumbnail")
        _require_output(tmp, f"no picture at {at_seconds:.2f} s")
    return dst


def make_thumbnail_strip(
    src: str | os.PathLike[str],
    dst_jpg: str | os.PathLike[str],
    count: int = 10,
    height: int = 90,
    *,
    info: MediaInfo | None = None,
    timeout: float = 120,
    memory_bytes: int = 4 * GIB,
) -> StripResult:
    """One JPEG sprite: `count` frames spread evenly over the video, side by side, `height` px tall.

    Each frame is reached by seeking (one input per frame, decoded from the nearest keyframe), so
    the cost does not grow with the length of the video and nothing is held but a few frames."""
    if count < 1:
        raise ValueError("count must be at least 1")
    src, dst = Path(src), Path(dst_jpg)
    info = info or probe_media(src)
    if info.kind != "video" or not info.duration:
        raise ProcessingError("unsupported", "A thumbnail strip needs a video with a duration.")
    display_w, display_h = _display_size(info)
    tile_width = max(2, round(height * display_w / display_h / 2) * 2)
    last = max(0.0, info.duration - 0.2)
    times = tuple(min(info.duration * (i + 0.5) / count, last) for i in range(count))
    args = [FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-protocol_whitelist", "file"]
    for t in times:
        args += ["-threads", "1", "-ss", f"{t:.3f}", "-i", input_url(src)]
    chains = [f"[{i}:v:0]scale={tile_width}:{height}:flags=bilinear,setsar=1,trim=end_frame=1[t{i}]" for i in range(count)]
    joined = "".join(f"[t{i}]" for i in range(count))
    chains.append(f"{joined}hstack=inputs={count}[strip]" if count > 1 else "[t0]null[strip]")
    limits = Limits(timeout=timeout, memory_bytes=memory_bytes, cpu_seconds=int(timeout * 2))
    with atomic_output(dst) as tmp:
        result = run_tool(
            [*args, "-filter_complex", ";".join(chains), "-map", "[strip]", "-frames:v", "1",
             "-q:v", "4", "-f", "image2", "-c:v", "mjpeg", str(tmp)],
            limits,
        )
        check(result, limits, "making the thumbnail strip")
        _require_output(tmp, "no frames could be read")
    return StripResult(dst, tile_width * count, height, count, tile_width, times)


def sweep_partial_outputs(directory: str | os.PathLike[str], *, older_than: float = 6 * 3600) -> list[Path]:
    """Delete `.*.part` files that jobs killed outright (SIGKILL, power loss) left in `directory`.

    Only files untouched for `older_than` seconds go, so a running encode is never swept."""
    cutoff = time.time() - older_than
    removed = []
    for path in Path(directory).glob(".*.part"):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed.append(path)
        except FileNotFoundError:
            continue
    return removed


def _display_size(info: MediaInfo) -> tuple[int, int]:
    if not info.width or not info.height:
        raise ProcessingError("unsupported", "The video has no picture size.")
    return max(2, round(info.width * (info.sample_aspect or 1.0))), info.height


def _fit(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """Scale down (never up) to fit the box, the box turned to match the picture; even sides."""
    w, h = size
    long_side, short_side = max(box), min(box)
    bw, bh = (long_side, short_side) if w >= h else (short_side, long_side)
    scale = min(1.0, bw / w, bh / h)
    return max(2, int(w * scale / 2) * 2), max(2, int(h * scale / 2) * 2)


def _require_output(path: Path, why: str) -> None:
    if not path.exists() or path.stat().st_size == 0:
        raise ProcessingError("tool_failed", f"ffmpeg wrote nothing: {why}.")
