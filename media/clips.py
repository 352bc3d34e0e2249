"""Synthetic clips from ffmpeg's test sources: demo data and test fixtures, made in a second."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from .atomic import atomic_output
from .runner import FFMPEG, GIB, Limits, check, run_tool


@dataclass(frozen=True)
class Passerby:
    """A drawn head and shoulders crossing the picture: its face `face_px` tall, its top at `y`,
    entering at `x` and moving `speed` pixels a second (negative: right to left)."""

    face_px: int
    y: int
    x: int
    speed: float
    skin: tuple[int, int, int] = (215, 180, 150)
    hair: tuple[int, int, int] = (45, 35, 30)
    shirt: tuple[int, int, int] = (40, 60, 110)


def draw_passerby(person: Passerby) -> Image.Image:
    """The person as an RGBA picture: a plain drawn face (brows, eyes, nose, mouth, ears, hair) that
    a face detector takes for one, so demo footage has faces to hide without anyone's photograph."""
    h = person.face_px
    w = round(h * 0.78)
    img = Image.new("RGBA", (round(w * 2.6), round(h * 2.2)), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    cx, cy = img.width // 2, round(h * 0.75)
    skin = person.skin

    def shade(k: float) -> tuple[int, int, int]:
        return tuple(round(v * k) for v in skin)

    line = max(1, h // 50)
    d.ellipse([cx - w * 1.2, cy + h * 0.62, cx + w * 1.2, cy + h * 2.4], fill=person.shirt)
    d.rectangle([cx - w * 0.2, cy + h * 0.3, cx + w * 0.2, cy + h * 0.75], fill=shade(0.85))
    d.ellipse([cx - w * 0.56, cy - h * 0.7, cx + w * 0.56, cy + h * 0.45], fill=person.hair)
    for side in (-1, 1):
        ex = cx + side * w * 0.5
        d.ellipse([ex - w * 0.09, cy - h * 0.11, ex + w * 0.09, cy + h * 0.11], fill=shade(0.9))
    d.ellipse([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], fill=skin)
    for side in (-1, 1):
        ex, ey = cx + side * w * 0.2, cy - h * 0.07
        d.arc([ex - w * 0.13, cy - h * 0.2, ex + w * 0.13, cy - h * 0.12], 180, 360, fill=(55, 45, 40), width=line)
        d.ellipse([ex - w * 0.1, ey - h * 0.036, ex + w * 0.1, ey + h * 0.036], fill=(235, 235, 235))
        d.ellipse([ex - h * 0.034, ey - h * 0.034, ex + h * 0.034, ey + h * 0.034], fill=(90, 70, 60))
        d.ellipse([ex - h * 0.014, ey - h * 0.014, ex + h * 0.014, ey + h * 0.014], fill=(10, 10, 10))
    d.line([cx, cy - h * 0.05, cx - w * 0.04, cy + h * 0.11], fill=shade(0.7), width=line)
    d.arc([cx - w * 0.08, cy + h * 0.09, cx + w * 0.08, cy + h * 0.16], 0, 180, fill=shade(0.6), width=line)
    d.chord([cx - w * 0.17, cy + h * 0.2, cx + w * 0.17, cy + h * 0.3], 0, 180, fill=(160, 70, 70))
    return img.filter(ImageFilter.GaussianBlur(h / 120))


def passers_by(size: tuple[int, int]) -> list[Passerby]:
    """Three people crossing a picture of `size` while a short clip lasts: one walking fast left to
    right, one slower right to left, one standing nearly still; faces at sizes a body-worn camera
    sees bystanders at (a few percent of the picture)."""
    width, height = size
    face = max(36, min(64, round(min(width, height) * 0.09)))
    return [
        Passerby(face, y=round(height * 0.3), x=round(width * 0.05), speed=width / 5),
        Passerby(round(face * 1.15), y=round(height * 0.45), x=round(width * 0.8), speed=-width / 8,
                 skin=(160, 120, 95), hair=(25, 20, 20), shirt=(110, 40, 40)),
        Passerby(round(face * 0.9), y=round(height * 0.22), x=round(width * 0.45), speed=width / 40,
                 skin=(235, 200, 175), hair=(120, 80, 40), shirt=(50, 90, 60)),
    ]


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
    people: Sequence[Passerby] = (),
) -> Path:
    """An H.264/AAC clip of a moving test pattern and a tone. The container follows dst's suffix
    (.mp4, .mov, .mkv, .ts...). `metadata` keys such as creation_time, location (ISO 6709), make,
    model are written as container tags. `audio_file` (say, speech from `make_speech_audio`) replaces
    the tone. With `people`, drawn passers-by cross a plain street-grey picture instead (a busy test
    pattern would give the face detector shapes to mistake for faces)."""
    dst = Path(dst)
    with tempfile.TemporaryDirectory(prefix="test-clip-", dir=dst.parent) as work:
        return _make_test_clip(dst, Path(work), seconds, size, with_audio, metadata, fps=fps, faststart=faststart,
                               preset=preset, timeout=timeout, audio_file=audio_file, people=people)


def _make_test_clip(dst, work, seconds, size, with_audio, metadata, *, fps, faststart, preset, timeout, audio_file,
                    people) -> Path:
    width, height = size
    picture = f"color=c=0x6a7078:size={width}x{height}" if people else f"testsrc2=size={width}x{height}"
    args: list[str] = [
        FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-y",
        "-f", "lavfi", "-i", f"{picture}:rate={fps}:duration={seconds}",
    ]
    if with_audio and audio_file is not None:
        args += ["-i", str(audio_file)]
    elif with_audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
    video = "0:v"
    if people:
        first = 2 if with_audio else 1
        overlays = []
        for n, person in enumerate(people):
            drawn = work / f"person-{n}.png"
            draw_passerby(person).save(drawn)
            args += ["-loop", "1", "-framerate", str(fps), "-i", str(drawn)]
            overlays.append(f"[{'0:v' if n == 0 else f'p{n - 1}'}][{first + n}:v]"
                            f"overlay=x='{person.x}+{person.speed}*t':y={person.y}:shortest=1[p{n}]")
        args += ["-filter_complex", ";".join(overlays)]
        video = f"[p{len(people) - 1}]"
    args += ["-map", video] + (["-map", "1:a"] if with_audio else [])
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
