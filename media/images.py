"""Still images through Pillow, with a hard ceiling on pixels so a small file cannot expand into
gigabytes when decoded (a "decompression bomb")."""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from .atomic import atomic_output
from .errors import MediaRejected

# Room for 200-megapixel phone sensors; a decoded RGB image this size is about 600 MiB.
DEFAULT_MAX_PIXELS = 210_000_000
# Pillow's own guard, process-wide: warns above this, raises above twice this. We turn the warning
# into an error below and also compare against the caller's limit ourselves.
Image.MAX_IMAGE_PIXELS = DEFAULT_MAX_PIXELS

_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_MAKE, _MODEL, _DATETIME = 271, 272, 306
_DATETIME_ORIGINAL, _OFFSET_TIME_ORIGINAL = 36867, 36881


@dataclass(frozen=True)
class ImageMeta:
    format: str
    width: int  # as displayed, after EXIF orientation
    height: int
    captured_at: datetime | None  # naive when the camera recorded no UTC offset
    make: str | None
    model: str | None
    latitude: float | None
    longitude: float | None


@contextmanager
def open_image(path: str | os.PathLike[str], *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Iterator[Image.Image]:
    """Open an image lazily, refusing bombs before any pixel is decoded."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path) as img:
                _refuse_bomb(img.width, img.height, max_pixels)
                yield img
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            # Pillow refused before telling us the size; its message has the pixel count.
            found = re.search(r"\((\d+) pixels\)", str(exc))
            raise _bomb_error(None, None, max_pixels, int(found.group(1)) if found else None) from exc
        except UnidentifiedImageError as exc:
            raise MediaRejected("unreadable", "The image could not be read: its data is not a valid image.") from exc


def header_size(path: str | os.PathLike[str], *, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[int, int]:
    with open_image(path, max_pixels=max_pixels) as img:
        return img.width, img.height


def read_image_meta(path: str | os.PathLike[str], *, max_pixels: int = DEFAULT_MAX_PIXELS) -> ImageMeta:
    """Decode the whole image once (so a truncated file is caught) and read its EXIF."""
    with open_image(path, max_pixels=max_pixels) as img:
        try:
            img.load()
        except (OSError, SyntaxError, ValueError) as exc:
            if "truncated" in str(exc).lower() or "broken" in str(exc).lower():
                raise MediaRejected("truncated", "The image is incomplete: its data ends too early.") from exc
            raise MediaRejected("unreadable", f"The image could not be decoded ({exc}).") from exc
        exif = img.getexif()
        width, height = img.width, img.height
        if exif.get(0x0112) in (5, 6, 7, 8):  # rotated a quarter turn
            width, height = height, width
        sub = exif.get_ifd(_EXIF_IFD)
        gps = exif.get_ifd(_GPS_IFD)
        lat, lon = _gps(gps)
        return ImageMeta(
            format=(img.format or "").lower(),
            width=width,
            height=height,
            captured_at=_exif_datetime(sub.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME), sub.get(_OFFSET_TIME_ORIGINAL)),
            make=_text(exif.get(_MAKE)),
            model=_text(exif.get(_MODEL)),
            latitude=lat,
            longitude=lon,
        )


def write_image_poster(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    *,
    max_side: int = 1280,
    quality: int = 85,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> tuple[int, int]:
    """A downscaled, upright JPEG with no metadata (EXIF can hold GPS). Atomic."""
    dst = Path(dst)
    with open_image(src, max_pixels=max_pixels) as img:
        img.draft("RGB", (max_side, max_side))  # JPEG: decode at a reduced scale, much cheaper
        upright = ImageOps.exif_transpose(img)
        upright = upright.convert("RGB")
        upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        with atomic_output(dst) as tmp:
            upright.save(tmp, "JPEG", quality=quality, optimize=True)
        return upright.width, upright.height


def _refuse_bomb(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise _bomb_error(width, height, max_pixels)


def _bomb_error(width: int | None, height: int | None, max_pixels: int, pixels: int | None = None) -> MediaRejected:
    if width and height:
        size = f" declares {width}×{height} pixels ({width * height / 1e6:.0f} megapixels)"
    elif pixels:
        size = f" declares {pixels / 1e6:.0f} megapixels"
    else:
        size = " declares more pixels than allowed"
    return MediaRejected(
        "decompression_bomb",
        f"The image{size}, over the {max_pixels / 1e6:.0f}-megapixel limit. Files like this expand "
        "to gigabytes when opened and are not accepted.",
    )


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).strip("\x00 ").strip()
    return text or None


def _exif_datetime(value: object, offset: object) -> datetime | None:
    text = _text(value)
    if not text:
        return None
    try:
        when = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    off = _text(offset)
    if off and len(off) == 6 and off[0] in "+-":
        try:
            hours, minutes = int(off[1:3]), int(off[4:6])
        except ValueError:
            return when
        delta = timedelta(hours=hours, minutes=minutes)
        when = when.replace(tzinfo=timezone(delta if off[0] == "+" else -delta))
    return when


def _gps(gps: dict) -> tuple[float | None, float | None]:
    try:
        lat = _dms(gps[2], gps.get(1))
        lon = _dms(gps[4], gps.get(3))
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return lat, lon


def _dms(value: object, ref: object) -> float:
    degrees, minutes, seconds = (float(x) for x in value)  # type: ignore[union-attr]
    result = degrees + minutes / 60 + seconds / 3600
    if _text(ref) in ("S", "W"):
        result = -result
    return result
