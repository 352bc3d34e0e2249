"""Read what a media file holds: ffprobe's JSON for video, Pillow and EXIF for photos.

A file that cannot be read to its end is rejected here ("truncated"), not later in a transcode:
the structural check in `sniff`, ffprobe's own errors, and the last second decoded. An MPEG-TS
cut between packets is indistinguishable from a shorter recording and passes: the format has no
index or declared length to compare with.
"""

from __future__ import annotations

import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

from . import images
from .errors import MediaRejected, ProcessingError
from .runner import FFMPEG, FFPROBE, GIB, Limits, ToolResult, run_tool
from .sniff import DEFAULT_MAX_BYTES, Sniffed, sniff_file

DEFAULT_PROBE_TIMEOUT = 60.0

_TRUNCATION = re.compile(
    r"moov atom not found|partial file|end of file|truncat|premature|invalid data found when processing input",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class MediaInfo:
    kind: str  # "video" or "image"
    format: str  # what sniff found: mp4, mov, matroska, webm, avi, mpegts, jpeg, png, webp, heic, avif
    mime: str
    size: int
    container: str | None = None  # ffprobe's format_name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    video_codec: str | None = None
    audio_codec: str | None = None
    duration: float | None = None  # seconds
    width: int | None = None  # as displayed: after rotation
    height: int | None = None
    rotation: int = 0  # degrees clockwise the player applies: 0, 90, 180, 270
    sample_aspect: float = 1.0
    fps: float | None = None
    bitrate: int | None = None  # bits per second, whole file
    captured_at: datetime | None = None  # naive when the source gives no time zone
    latitude: float | None = None
    longitude: float | None = None
    make: str | None = None
    model: str | None = None
    warnings: tuple[str, ...] = field(default=())  # non-fatal complaints from ffprobe
    rate: Fraction | None = None  # fps exactly, as an encoder must be told it
    frames: int | None = None  # as the container says, else estimated from duration and rate
    audio_rate: int | None = None  # samples per second

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None


def probe_media(
    path: str | os.PathLike[str],
    *,
    timeout: float = DEFAULT_PROBE_TIMEOUT,
    memory_bytes: int = 2 * GIB,
    cpu_seconds: int = 60,
    verify_end: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = images.DEFAULT_MAX_PIXELS,
    sniffed: Sniffed | None = None,
) -> MediaInfo:
    """Sniff, then probe. Raises MediaRejected for unacceptable files, ProcessingError if a tool fails."""
    path = Path(path)
    sniffed = sniffed or sniff_file(path, max_bytes=max_bytes, max_pixels=max_pixels)
    if sniffed.kind == "image":
        return _probe_image(path, sniffed, max_pixels)
    limits = Limits(timeout=timeout, memory_bytes=memory_bytes, cpu_seconds=cpu_seconds)
    try:
        info = _probe_video_and_end(path, sniffed, limits) if verify_end else _probe_video(path, sniffed, limits)
    except ProcessingError as exc:
        if exc.code == "timeout":
            raise MediaRejected(
                "timeout", f"Reading the file took longer than {timeout:g} s; it is not accepted."
            ) from exc
        raise
    return info


def probe_video(
    path: str | os.PathLike[str],
    *,
    timeout: float = DEFAULT_PROBE_TIMEOUT,
    memory_bytes: int = 2 * GIB,
    cpu_seconds: int = 60,
) -> MediaInfo:
    """ffprobe alone, for video this system accepted or made itself (a render's input, a release
    copy): intake's sniffing and decode of the end would only read the file again. Raises
    MediaRejected when it is not a readable video, ProcessingError if ffprobe fails."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise MediaRejected("unreadable", f"The file could not be opened: {exc.strerror}.") from exc
    sniffed = Sniffed(kind="video", format="video", mime="video/*", size=size)
    return _probe_video(path, sniffed, Limits(timeout=timeout, memory_bytes=memory_bytes, cpu_seconds=cpu_seconds))


def input_url(path: str | os.PathLike[str]) -> str:
    """The form of a path ffmpeg can't mistake for a protocol (`concat:`, `http:`, `-i`...)."""
    return "file:" + os.path.abspath(path)


def _probe_image(path: Path, sniffed: Sniffed, max_pixels: int) -> MediaInfo:
    base = dict(kind="image", format=sniffed.format, mime=sniffed.mime, size=sniffed.size, container=sniffed.format)
    try:
        meta = images.read_image_meta(path, max_pixels=max_pixels)
    except MediaRejected as exc:
        if exc.code == "unreadable" and sniffed.format in ("heic", "avif"):
            # Recognised but this Pillow can't decode it: keep the original, show no preview.
            return MediaInfo(**base)
        raise
    return MediaInfo(
        **base,
        width=meta.width,
        height=meta.height,
        captured_at=meta.captured_at,
        make=meta.make,
        model=meta.model,
        latitude=meta.latitude,
        longitude=meta.longitude,
    )


def _probe_video(path: Path, sniffed: Sniffed, limits: Limits) -> MediaInfo:
    return _media_info(run_tool(_ffprobe_args(path), limits), sniffed)


def _probe_video_and_end(path: Path, sniffed: Sniffed, limits: Limits) -> MediaInfo:
    """ffprobe and the decode of the last second at the same time: each is mostly a tool starting.
    The decode seeks from the end (-sseof), to the point ffprobe's duration gives whenever the
    container states one; where it does not, that run started at the beginning and is redone."""
    with ThreadPoolExecutor(1, thread_name_prefix="probe-end") as pool:
        end = pool.submit(run_tool, _end_args(path, ["-sseof", "-1"]), limits)
        probed = run_tool(_ffprobe_args(path), limits)
        info = _media_info(probed, sniffed)
        from_end = end.result()
    _verify_end(path, info, limits, from_end if _container_duration(probed) else None)
    return info


def _ffprobe_args(path: Path) -> list[str]:
    return [FFPROBE, "-hide_banner", "-v", "error", "-protocol_whitelist", "file",
            "-print_format", "json", "-show_format", "-show_streams", input_url(path)]


def _container_duration(probed: ToolResult) -> bool:
    """Whether the container states its duration (ffprobe's format duration), as -sseof needs."""
    try:
        return float(json.loads(probed.stdout)["format"]["duration"]) > 0
    except (ValueError, KeyError, TypeError):
        return False


def _media_info(result: ToolResult, sniffed: Sniffed) -> MediaInfo:
    errors = _error_lines(result.stderr)
    if result.returncode != 0 or not result.stdout.strip():
        _reject_unreadable(errors, sniffed)
    try:
        data = json.loads(result.stdout)
    except ValueError as exc:
        raise ProcessingError("tool_failed", "ffprobe returned output that is not JSON") from exc
    streams = data.get("streams") or []
    fmt = data.get("format") or {}
    video = next((s for s in streams if s.get("codec_type") == "video" and not _is_cover_art(s)), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    if not streams:
        _reject_unreadable(errors or ["no streams"], sniffed)
    if errors and any(_TRUNCATION.search(e) for e in errors):
        raise MediaRejected("truncated", f"The video is incomplete: {_worst(errors)}.")
    if video is None:
        what = "only sound" if audio else "no video"
        raise MediaRejected("not_media", f"This file contains {what}; a video or photo is required.")

    tags = _merged_tags(fmt, streams)
    rotation = _rotation(video)
    width, height = _int(video.get("width")), _int(video.get("height"))
    if rotation in (90, 270):
        width, height = height, width
    lat, lon = parse_iso6709(
        tags.get("com.apple.quicktime.location.iso6709") or tags.get("location") or tags.get("location-eng")
    )
    return MediaInfo(
        kind="video",
        format=sniffed.format,
        mime=sniffed.mime,
        size=sniffed.size,
        container=fmt.get("format_name"),
        video_codec=video.get("codec_name"),
        audio_codec=audio.get("codec_name") if audio else None,
        duration=_duration(fmt, video),
        width=width,
        height=height,
        rotation=rotation,
        sample_aspect=_ratio(video.get("sample_aspect_ratio"), ":") or 1.0,
        fps=_ratio(video.get("avg_frame_rate")) or _ratio(video.get("r_frame_rate")),
        bitrate=_int(fmt.get("bit_rate")),
        captured_at=_capture_time(tags),
        latitude=lat,
        longitude=lon,
        make=_first(tags, "com.apple.quicktime.make", "make", "com.android.manufacturer", "manufacturer"),
        model=_first(tags, "com.apple.quicktime.model", "model", "com.android.model", "device"),
        warnings=tuple(_clean(e) for e in errors[:20]),
        rate=_exact_rate(video),
        frames=_int(video.get("nb_frames")) or _frame_estimate(_duration(fmt, video), _exact_rate(video)),
        audio_rate=_int(audio.get("sample_rate")) if audio else None,
    )


def _exact_rate(video: dict[str, Any]) -> Fraction | None:
    for key in ("avg_frame_rate", "r_frame_rate"):
        try:
            rate = Fraction(video.get(key) or "0/1")
        except (ValueError, ZeroDivisionError):
            continue
        if rate > 0:
            return rate
    return None


def _frame_estimate(duration: float | None, rate: Fraction | None) -> int | None:
    return int(round(duration * rate)) if duration and rate else None


def _end_args(path: Path, seek: list[str]) -> list[str]:
    return [FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-protocol_whitelist", "file",
            *seek, "-i", input_url(path), "-t", "1", "-map", "0:v:0", "-map", "0:a:0?", "-f", "framecrc", "-"]


def _verify_end(path: Path, info: MediaInfo, limits: Limits, result: ToolResult | None = None) -> None:
    """Decode the last second (unless `result` is that decode already): the index can be intact
    while the data it points to is missing.

    Any stream counts, because a video track may legitimately stop before the audio does."""
    if not info.duration or info.duration <= 0:
        raise MediaRejected("truncated", "The video has no duration; it is empty or incomplete.")
    if result is None:
        start = max(0.0, info.duration - 1.0)
        result = run_tool(_end_args(path, ["-ss", f"{start:.3f}"]), limits)
    frames = [line for line in result.stdout.decode("ascii", "replace").splitlines() if line and not line.startswith("#")]
    errors = _error_lines(result.stderr)
    if any(_TRUNCATION.search(e) for e in errors) or not frames:
        why = _worst(errors) if errors else "no picture could be decoded near the end"
        raise MediaRejected("truncated", f"The video is incomplete near its end: {why}.")


def _reject_unreadable(errors: list[str], sniffed: Sniffed) -> None:
    message = _worst(errors) if errors else "ffprobe could not read it"
    if any(_TRUNCATION.search(e) for e in errors):
        raise MediaRejected("truncated", f"The {sniffed.format.upper()} video is incomplete: {message}.")
    raise MediaRejected("unreadable", f"The {sniffed.format.upper()} file could not be read: {message}.")


def _error_lines(stderr: str) -> list[str]:
    return [
        line for line in stderr.splitlines()
        if line.strip() and not line.strip().startswith("Last message repeated")
    ]


def _worst(errors: list[str]) -> str:
    """The line that explains a rejection best: a truncation if there is one, else the last."""
    return _clean(next((e for e in errors if _TRUNCATION.search(e)), errors[-1]))


def _clean(line: str) -> str:
    # "[mov,mp4 @ 0x55d...] moov atom not found" -> "moov atom not found"; and no server paths.
    line = re.sub(r"^\[[^\]]*\]\s*", "", line.strip())
    line = re.sub(r"file:/\S+?:\s*", "", line)
    return line.rstrip(".")


def _is_cover_art(stream: dict[str, Any]) -> bool:
    return bool((stream.get("disposition") or {}).get("attached_pic"))


def _merged_tags(fmt: dict[str, Any], streams: list[dict[str, Any]]) -> dict[str, str]:
    """Container tags win over stream tags; keys lowercased (Matroska writes them in capitals)."""
    merged: dict[str, str] = {}
    for source in [*(s.get("tags") or {} for s in streams), fmt.get("tags") or {}]:
        for key, value in source.items():
            merged[key.lower()] = str(value)
    return merged


def _first(tags: dict[str, str], *keys: str) -> str | None:
    for key in keys:
        value = (tags.get(key) or "").strip()
        if value:
            return value
    return None


def _capture_time(tags: dict[str, str]) -> datetime | None:
    # Apple's creationdate is when the shutter was pressed, in local time with its offset;
    # creation_time is when the file was written, in UTC, and often reset by editors.
    for key in ("com.apple.quicktime.creationdate", "creation_time", "date_recorded", "date"):
        when = _parse_time(tags.get(key))
        if when:
            return when
    return None


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if when.year < 1971:  # 1904 and 1970: the QuickTime and Unix "never set" values
        return None
    return when


_ISO6709 = re.compile(r"^\s*([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)")


def parse_iso6709(value: str | None) -> tuple[float | None, float | None]:
    """'+40.7128-074.0060+010.5/' -> (40.7128, -74.006). Also ±DDMM.M and ±DDMMSS.S forms."""
    if not value:
        return None, None
    found = _ISO6709.match(value)
    if not found:
        return None, None
    lat = _sexagesimal(found.group(1), degree_digits=2)
    lon = _sexagesimal(found.group(2), degree_digits=3)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return lat, lon


def _sexagesimal(text: str, *, degree_digits: int) -> float | None:
    sign = -1.0 if text[0] == "-" else 1.0
    whole, _, frac = text[1:].partition(".")
    frac = "." + frac if frac else ""
    extra = len(whole) - degree_digits
    if extra == 0:
        return sign * float(whole + frac)
    if extra == 2:  # DDMM.MMM
        return sign * (int(whole[:degree_digits]) + float(whole[degree_digits:] + frac) / 60)
    if extra == 4:  # DDMMSS.SS
        return sign * (
            int(whole[:degree_digits])
            + int(whole[degree_digits : degree_digits + 2]) / 60
            + float(whole[degree_digits + 2 :] + frac) / 3600
        )
    return None


def _rotation(video: dict[str, Any]) -> int:
    angle = None
    for side in video.get("side_data_list") or []:
        if "rotation" in side:
            angle = side["rotation"]
    if angle is None:
        angle = (video.get("tags") or {}).get("rotate")
    try:
        # ffprobe's display-matrix rotation is counter-clockwise; the old "rotate" tag is clockwise.
        degrees = int(float(angle or 0))
    except ValueError:
        return 0
    if (video.get("tags") or {}).get("rotate") is None:
        degrees = -degrees
    return degrees % 360 if degrees % 90 == 0 else 0


def _duration(fmt: dict[str, Any], video: dict[str, Any]) -> float | None:
    for value in (fmt.get("duration"), video.get("duration")):
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            continue
        if seconds > 0:
            return seconds
    return None


def _ratio(value: str | None, sep: str = "/") -> float | None:
    if not value or sep not in value:
        return None
    num, _, den = value.partition(sep)
    try:
        n, d = float(num), float(den)
    except ValueError:
        return None
    return n / d if d and n else None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
