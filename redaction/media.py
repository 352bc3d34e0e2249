"""ffprobe/ffmpeg for the redaction pipeline: probing, the raw-frame decoder and the release encoder.

Commands are argument lists, never shell strings, and every process starts through media's runner,
under its time, memory and CPU limits and killed with its parent. Frames travel as raw planar YUV
4:2:0 over pipes, so neither side ever holds more than a frame or two.
"""
from __future__ import annotations

import fcntl
import functools
import os
from dataclasses import dataclass
from fractions import Fraction

from media.errors import MediaError, ProcessingError
from media.probe import probe_video
from media.runner import FFMPEG, GIB, Limits, StreamingRun, check, run_tool

# The runner and error types are re-exported: the pipeline and the check start processes through
# this module, and callers that caught redaction's own MediaError now catch media's.
__all__ = ["FFMPEG", "MediaError", "ProcessingError", "StreamingRun", "VideoInfo", "limits_for", "probe", "run_tool"]


@dataclass(frozen=True)
class VideoInfo:
    width: int  # as displayed (after rotation)
    height: int
    rate: Fraction
    frames: int  # estimate when the container does not say
    duration: float
    has_audio: bool
    audio_rate: int

    @property
    def fps(self) -> float:
        return float(self.rate)


# Raw frames cross pipes between ffmpeg and the pipeline: the unprivileged limit, so a frame
# crosses in few wake-ups of the writer and the reader instead of many.
PIPE_BYTES = 1 << 20


def widen_pipe(fd: int, size: int = PIPE_BYTES) -> None:
    """Give the pipe `fd` belongs to a buffer of `size` bytes where the system allows it (Linux,
    within /proc/sys/fs/pipe-max-size); elsewhere it keeps its own, and works as before."""
    try:
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, size)
    except (AttributeError, OSError):
        pass


def limits_for(duration: float, *, memory_bytes: int = 4 * GIB) -> Limits:
    """Limits for one process that reads or writes a whole video of `duration` seconds: its work
    grows with the video, so a fixed deadline would stop long footage that is merely long."""
    return Limits(timeout=300 + 20 * duration, memory_bytes=memory_bytes, cpu_seconds=int(300 + 40 * duration))


@functools.cache
def ffmpeg_version() -> str:
    """The version of the ffmpeg build that decodes, scales and encodes, for the redaction log."""
    limits = Limits(timeout=30, cpu_seconds=30)
    first = (check(run_tool([FFMPEG, "-version"], limits), limits, "ffmpeg -version").stdout.decode(errors="replace").splitlines() or [""])[0]
    words = first.split()  # "ffmpeg version 5.1.6-0+deb12u1 Copyright ..."
    return words[2] if len(words) > 2 and words[:2] == ["ffmpeg", "version"] else first.strip() or "unknown"


def probe(path: str | os.PathLike) -> VideoInfo:
    """What the pipeline needs to know of a video, from media's one probe."""
    info = probe_video(path)
    rate = info.rate or Fraction(30)
    duration = info.duration or 0.0
    return VideoInfo(
        width=info.width or 0,
        height=info.height or 0,
        rate=rate,
        frames=info.frames or int(round(duration * rate)),
        duration=duration,
        has_audio=info.has_audio,
        audio_rate=(info.audio_rate or 48000) if info.has_audio else 0,
    )


def output_size(width: int, height: int, max_height: int) -> tuple[int, int]:
    """Scale down (never up) to at most `max_height` lines, keeping aspect; even dimensions."""
    if height > max_height:
        width, height = width * max_height / height, max_height
    return max(2, int(round(width / 2)) * 2), max(2, int(round(height / 2)) * 2)


def decoder_command(
    path: str | os.PathLike, width: int, height: int, *, source_pixels: int = 0,
    detail: tuple[int, int, int, int] | None = None,
) -> list[str]:
    """Raw I420 frames at `width` x `height` on stdout; with `detail` (width, height, every,
    file descriptor), also every `every`th frame at that (higher) resolution on that descriptor,
    from the same decode."""
    # Up to 1080p, one decoding thread: the pipeline's other threads keep both cores busy, and
    # frame threading costs CPU (1080p H.264: 0.46 core-s per second of video on one thread, 0.59
    # on two). Larger sources take two, or decoding alone would be slower than real time.
    # Area scaling is the right filter for shrinking and costs half of bicubic (measured on
    # 1080p: 0.10 vs 0.21 core-s per second of video).
    threads = "1" if source_pixels <= 1920 * 1088 else "2"
    cmd = [FFMPEG, "-nostdin", "-v", "error", "-threads", threads, "-filter_threads", "1", "-i", os.fspath(path)]
    raw = ["-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "yuv420p"]
    if detail is None:
        return cmd + [
            "-map", "0:v:0", "-an", "-sn", "-dn",
            "-vf", f"scale={width}:{height}:flags=area,format=yuv420p", *raw, "pipe:1",
        ]
    dw, dh, every, fd = detail
    graph = (
        f"[0:v:0]split=2[w][d];[w]scale={width}:{height}:flags=area,format=yuv420p[work];"
        f"[d]select='not(mod(n\\,{every}))',scale={dw}:{dh}:flags=area,format=yuv420p[detail]"
    )
    return cmd + [
        "-filter_complex", graph,
        "-map", "[work]", *raw, "pipe:1",
        "-map", "[detail]", *raw, f"pipe:{fd}",
    ]


def _between(ranges) -> str:
    return "+".join(f"between(t,{a:.3f},{b:.3f})" for a, b in ranges)


def audio_filter(mute_ranges, bleep_ranges=(), *, rate: int) -> tuple[list[str], str | None]:
    """Extra inputs and the filtergraph that silence input 1's audio in `mute_ranges` and
    `bleep_ranges`, with a 1 kHz tone in the bleeped ones."""
    silenced = list(mute_ranges) + list(bleep_ranges)
    if not silenced:
        return [], None
    muted = f"[1:a:0]volume=0:enable='{_between(silenced)}'"
    if not bleep_ranges:
        return [], f"{muted}[aout]"
    tone = [
        "-f", "lavfi", "-i", f"sine=frequency=1000:sample_rate={rate or 48000}",
    ]
    graph = (
        f"{muted}[m];"
        f"[2:a]volume=0.25,volume=0:enable='not({_between(bleep_ranges)})'[tone];"
        f"[m][tone]amix=inputs=2:duration=first:dropout_transition=0:normalize=0[aout]"
    )
    return tone, graph


def encoder_command(
    output: str | os.PathLike,
    *,
    source: str | os.PathLike,
    width: int,
    height: int,
    rate: Fraction,
    has_audio: bool,
    audio_rate: int = 48000,
    mute_ranges=(),
    bleep_ranges=(),
    preset: str = "ultrafast",
    qp: int = 25,
    threads: int = 0,
) -> list[str]:
    """Release encoder: raw I420 frames on stdin, audio from the source; H.264/AAC MP4, faststart,
    with every metadata tag, chapter and encoder identification stripped."""
    cmd = [
        FFMPEG, "-nostdin", "-v", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{width}x{height}",
        "-framerate", f"{rate.numerator}/{rate.denominator}", "-i", "pipe:0",
    ]
    if has_audio:
        cmd += ["-i", os.fspath(source)]
        extra, graph = audio_filter(mute_ranges, bleep_ranges, rate=audio_rate)
        cmd += extra
    cmd += ["-map", "0:v:0"]
    if has_audio:
        if graph:
            cmd += ["-filter_complex", graph, "-map", "[aout]"]
        else:
            cmd += ["-map", "1:a:0"]
        cmd += ["-c:a", "aac", "-b:a", "128k"]
    cmd += [
        "-c:v", "libx264", "-preset", preset, "-qp", str(qp),
        "-pix_fmt", "yuv420p", "-profile:v", "high",
        "-threads", str(threads),
        # x264 writes its version and settings into an SEI unit; drop every SEI.
        "-bsf:v", "filter_units=remove_types=6",
        "-map_metadata", "-1", "-map_chapters", "-1",
        "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
        "-f", "mp4", os.fspath(output),
    ]
    return cmd


def remux_command(encoded: str | os.PathLike, output: str | os.PathLike) -> list[str]:
    """Stream-copy the encoder's file into the release file with the index up front (faststart).

    An encoding ffmpeg always names its encoder in the MP4 sample description ("Lavc libx264");
    a stream copy does not, so this pass also leaves no encoder tag behind.
    """
    return [
        FFMPEG, "-nostdin", "-v", "error", "-y", "-i", os.fspath(encoded),
        "-map", "0", "-c", "copy",
        "-map_metadata", "-1", "-map_metadata:s:v", "-1", "-map_metadata:s:a", "-1", "-map_chapters", "-1",
        "-fflags", "+bitexact", "-movflags", "+faststart",
        "-f", "mp4", os.fspath(output),
    ]
