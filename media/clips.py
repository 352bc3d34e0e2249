"""Synthetic clips from ffmpeg's test sources: demo data and test fixtures, made in a second."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from .atomic import atomic_output
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
    audio_file: str | os.PathLike[str] | None = None,
) -> Path:
    """An H.264/AAC clip of a moving test pattern and a tone. The container follows dst's suffix
    (.mp4, .mov, .mkv, .ts...). `metadata` keys such as creation_time, location (ISO 6709), make,
    model are written as container tags. `audio_file` (say, speech from `make_speech_audio`) replaces
    the tone."""
    dst = Path(dst)
    width, height = size
    args: list[str] = [
        FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={fps}:duration={seconds}",
    ]
    if with_audio and audio_file is not None:
        args += ["-i", str(audio_file)]
    elif with_audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
    args += ["-map", "0:v"] + (["-map", "1:a"] if with_audio else [])
    if with_audio and audio_file is not None:
        args += ["-t", str(seconds)]
    args += ["-c:v", "libx264", "-preset", preset, "-pix_fmt", "yuv420p", "-g", str(fps)]
    if with_audio:
        args += ["-c:a", "aac", "-b:a", "96k"]
    for key, value in (metadata or {}).items():
        args += ["-metadata", f"{key}={value}"]
    if dst.suffix.lower() in (".mp4", ".mov", ".m4v"):
        flags = "+use_metadata_tags" + ("+faststart" if faststart else "")
        args += ["-movflags", flags]
    with atomic_output(dst, suffix=dst.suffix) as tmp:
        limits = Limits(timeout=timeout, memory_bytes=4 * GIB, cpu_seconds=int(timeout * 4))
        check(run_tool([*args, tmp], limits), limits, "making a test clip")
    return dst


ESPEAK = os.environ.get("PORTAL_ESPEAK", "espeak-ng")


def make_speech_audio(
    dst: str | os.PathLike[str],
    text: str,
    *,
    lead: float = 1.0,
    tail: float = 1.0,
    noise: float = 0.0,
    words_per_minute: int = 140,
    timeout: float = 120,
    noise_seed: int | None = None,
) -> Path:
    """Known speech for tests, the bench and the demo: espeak-ng says `text`, with `lead` seconds
    of silence before and `tail` after, optionally over pink noise of amplitude `noise` (0-1; the
    same noise every time for a given `noise_seed`), written as 16 kHz mono WAV (or Opus in Ogg
    when dst ends in .ogg or .opus)."""
    dst = Path(dst)
    limits = Limits(timeout=timeout, memory_bytes=2 * GIB, cpu_seconds=int(timeout * 2))
    with tempfile.TemporaryDirectory(dir=dst.parent) as work:
        spoken = Path(work) / "spoken.wav"
        result = run_tool([ESPEAK, "-v", "en-us", "-s", str(words_per_minute), "-w", spoken, text], limits)
        check(result, limits, "speaking the test script with espeak-ng")
        pad = f"adelay={int(lead * 1000)}:all=1,apad=pad_dur={tail},aresample=16000"
        args = [FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-y", "-i", spoken]
        if noise > 0:
            seed = "" if noise_seed is None else f":seed={int(noise_seed)}"
            args += ["-f", "lavfi", "-i", f"anoisesrc=color=pink:amplitude={noise}:sample_rate=16000{seed}",
                     "-filter_complex", f"[0:a]{pad}[s];[s][1:a]amix=inputs=2:duration=first:normalize=0,aformat=channel_layouts=mono"]
        else:
            args += ["-af", f"{pad},aformat=channel_layouts=mono"]
        if dst.suffix.lower() in (".ogg", ".opus"):
            args += ["-c:a", "libopus", "-b:a", "24k"]
        with atomic_output(dst, suffix=dst.suffix) as out:
            check(run_tool([*args, out], limits), limits, "padding the test speech")
    return dst
