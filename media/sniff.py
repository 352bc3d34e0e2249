"""Decide what an uploaded file really is from its bytes, whatever its name says.

Only containers we can probe, proxy and redact are accepted. Everything else is rejected with a
`MediaRejected` whose message can be shown to the uploader as is.

What is checked, and why it is enough without decoding:
- the magic bytes of the container;
- a file with no media signature that is text (SVG, HTML, XML) is named for what it is: SVG and
  HTML are what a browser would execute if the file were ever served back;
- HTML/script markers in the first and last 64 KiB of every file, and for ISO-BMFF (MP4/MOV) in
  every top-level box except `mdat`, and in any bytes after the last box: that is where a
  polyglot hides HTML, in parts no decoder reads. The inside of `mdat` is not scanned (it is most
  of the file and is fed to decoders, not browsers), nor the middle of Matroska or MPEG-TS files;
- ISO-BMFF structure: a box that runs past the end of the file, or a movie without its `moov`
  index, means the upload or the recording was cut short.
"""

from __future__ import annotations

import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from . import images
from .errors import MediaRejected

GIB = 1024**3
DEFAULT_MAX_BYTES = 16 * GIB  # an hour of 4K body-cam is well under this
HEAD_BYTES = 64 * 1024
BOX_SCAN_LIMIT = 64 * 1024 * 1024  # a moov for hours of video is tens of MiB at most

# Markers of web content hidden in a media file. The tag markers all start with "<", which lets
# the regex engine skip ahead between candidates; "javascript:" is looked for separately with a
# plain find, because one regex with both kinds of start cannot skip ahead and scans far slower.
_TAG_MARKERS = re.compile(
    rb"<(?:html|script|!doctype\s+html|body|iframe|svg|object|embed|form)[\s>/]|<\?php",
    re.IGNORECASE,
)
_JS_MARKER = b"javascript:"


def _find_marker(data: bytes) -> bytes | None:
    found = _TAG_MARKERS.search(data)
    if found:
        return found.group(0)
    at = data.lower().find(_JS_MARKER)
    return data[at : at + len(_JS_MARKER)] if at >= 0 else None


_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P "}
_LEGACY_QT_FIRST_BOXES = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}

# Signatures of things people upload by mistake, so the message can say what we saw.
_KNOWN_NOT_MEDIA: list[tuple[bytes, str]] = [
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive or Office document"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a program"),
    (b"GIF87a", "a GIF image (not accepted; send the original photo or video)"),
    (b"GIF89a", "a GIF image (not accepted; send the original photo or video)"),
    (b"ID3", "an audio recording (MP3)"),
    (b"fLaC", "an audio recording (FLAC)"),
    (b"OggS", "an Ogg audio file"),
    (b"BM", "a BMP image (not accepted; send the original photo)"),
]


@dataclass(frozen=True)
class Sniffed:
    kind: str  # "video" or "image"
    format: str  # mp4, mov, matroska, webm, avi, mpegts, jpeg, png, webp, heic, avif
    mime: str
    size: int
    width: int | None = None  # images only, from the header
    height: int | None = None


_MIME = {
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "matroska": "video/x-matroska",
    "webm": "video/webm",
    "avi": "video/x-msvideo",
    "mpegts": "video/mp2t",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "heic": "image/heic",
    "avif": "image/avif",
}


def sniff_file(
    path: str | os.PathLike[str],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = images.DEFAULT_MAX_PIXELS,
) -> Sniffed:
    """Identify `path` by content or raise MediaRejected with a code and a human message."""
    path = Path(path)
    try:
        st = path.stat()
        if not path.is_file():
            raise MediaRejected("unreadable", "This is not a regular file.")
        size = st.st_size
        if size == 0:
            raise MediaRejected("empty", "The file is empty (0 bytes); the upload may have failed.")
        if size > max_bytes:
            raise MediaRejected(
                "too_large",
                f"The file is {_human(size)}, over the {_human(max_bytes)} limit for one upload.",
            )
        with path.open("rb") as f:
            head = f.read(HEAD_BYTES)
            tail = b""
            if size > HEAD_BYTES:
                f.seek(max(HEAD_BYTES, size - HEAD_BYTES))
                tail = f.read()
            fmt = _identify(head, size)
            _reject_markers(head + b"\n" + tail, fmt)
            if fmt in ("mp4", "mov", "heic", "avif"):
                _check_isobmff(f, size, fmt)
    except OSError as exc:
        raise MediaRejected("unreadable", f"The file could not be read ({exc.strerror}).") from exc

    kind = "image" if fmt in ("jpeg", "png", "webp", "heic", "avif") else "video"
    width = height = None
    if fmt in ("jpeg", "png", "webp"):
        width, height = images.header_size(path, max_pixels=max_pixels)
    return Sniffed(kind=kind, format=fmt, mime=_MIME[fmt], size=size, width=width, height=height)


def _identify(head: bytes, size: int) -> str:
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and len(head) >= 12:
        sub = head[8:12]
        if sub == b"WEBP":
            return "webp"
        if sub == b"AVI ":
            return "avi"
        if sub == b"WAVE":
            _not_media("an audio recording (WAV)")
        _not_media("a RIFF file that is neither AVI video nor a WebP image")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm" if b"webm" in head[:64] else "matroska"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return _isobmff_brand(head)
    if len(head) >= 8 and head[4:8] in _LEGACY_QT_FIRST_BOXES and struct.unpack(">I", head[:4])[0] >= 8:
        return "mov"
    if _is_mpegts(head, size):
        return "mpegts"
    _reject_text(head)
    for magic, what in _KNOWN_NOT_MEDIA:
        if head.startswith(magic):
            _not_media(what)
    _not_media("not a video or photo format we recognise")


def _isobmff_brand(head: bytes) -> str:
    (box_size,) = struct.unpack(">I", head[:4])
    brands = {head[8:12]}
    ftyp_end = min(box_size, len(head)) if box_size >= 16 else 16
    brands.update(head[i : i + 4] for i in range(16, ftyp_end - 3, 4))
    major = head[8:12]
    if major in _AUDIO_BRANDS:
        _not_media("an audio recording (M4A)")
    if major in _HEIF_BRANDS or (brands & _HEIF_BRANDS and not brands & {b"isom", b"mp41", b"mp42", b"qt  "}):
        return "heic"
    if major in _AVIF_BRANDS:
        return "avif"
    if major == b"qt  ":
        return "mov"
    return "mp4"


def _is_mpegts(head: bytes, size: int) -> bool:
    for packet, offset in ((188, 0), (192, 4)):
        packets = min(5, len(head) // packet)
        if packets >= 2 or (packets == 1 and size == packet):
            if all(head[offset + i * packet] == 0x47 for i in range(packets)):
                return True
    return False


def _reject_text(head: bytes) -> None:
    """Textual files first: SVG and HTML are the ones a browser would run."""
    text = head.lstrip(b"\xef\xbb\xbf\xff\xfe\r\n\t ").lower()
    binary = b"\x00" in head[:4096]
    if binary and not text.startswith(b"<"):
        return
    if b"<svg" in text or b"image/svg" in text[:4096]:
        raise MediaRejected(
            "svg",
            "This is an SVG drawing, not a photo or video. SVG files can carry scripts and are "
            "never accepted, whatever the file is named.",
        )
    if text.startswith(b"<"):
        if b"ftyp" in head:
            raise MediaRejected(
                "polyglot",
                "This file is an HTML page with a video glued to it. Such files are a known attack "
                "and are not accepted; upload the original recording.",
            )
        if _find_marker(text) or text.startswith(b"<!doctype"):
            _not_media("an HTML web page")
        if text.startswith(b"<?xml"):
            _not_media("an XML document")
    if binary:
        return
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        return
    _not_media("a text document")


def _reject_markers(data: bytes, fmt: str) -> None:
    found = _find_marker(data)
    if found:
        _polyglot(fmt, found)


def _polyglot(fmt: str, marker: bytes) -> None:
    raise MediaRejected(
        "polyglot",
        f"This {fmt.upper()} file also contains web page code ({marker.decode('ascii', 'replace')!r}) "
        "in parts a player never reads. Such files are a known attack and are not accepted; upload "
        "the original recording.",
    )


def _check_isobmff(f: BinaryIO, size: int, fmt: str) -> None:
    """Walk the top-level boxes: scan all but `mdat` for markers, and find truncation."""
    pos = 0
    seen: set[bytes] = set()
    while pos < size:
        f.seek(pos)
        header = f.read(16)
        if len(header) < 8:
            if header.strip(b"\x00"):
                _truncated(fmt, "it ends in the middle of a box header")
            break
        box_size, box_type = struct.unpack(">I4s", header[:8])
        header_len = 8
        if box_size == 1:
            if len(header) < 16:
                _truncated(fmt, "it ends in the middle of a box header")
            (box_size,) = struct.unpack(">Q", header[8:16])
            header_len = 16
        elif box_size == 0:
            box_size = size - pos
        if not _is_box_type(box_type) or box_size < header_len:
            # Not a box: bytes appended after the movie. Some phones do this legitimately
            # (Samsung trailers); a polyglot does it to hide a page. Scan them.
            if not seen:
                _not_media("a file that starts like an MP4 but has no valid structure")
            _scan_range(f, pos, min(size - pos, BOX_SCAN_LIMIT), fmt)
            break
        if pos + box_size > size:
            missing = pos + box_size - size
            _truncated(fmt, f"the {box_type.decode('latin-1')!r} box needs {_human(missing)} more")
        if box_type != b"mdat":
            _scan_range(f, pos + header_len, min(box_size - header_len, BOX_SCAN_LIMIT), fmt)
        seen.add(box_type)
        pos += box_size
    if fmt in ("mp4", "mov") and b"moov" not in seen:
        _truncated(fmt, "its index (the 'moov' box) is missing, so the recording or upload was cut short")


def _is_box_type(box_type: bytes) -> bool:
    return all(32 <= b < 127 or b == 0xA9 for b in box_type)


def _scan_range(f: BinaryIO, start: int, length: int, fmt: str) -> None:
    overlap = 32
    f.seek(start)
    remaining = length
    carry = b""
    while remaining > 0:
        chunk = f.read(min(1024 * 1024, remaining))
        if not chunk:
            break
        remaining -= len(chunk)
        window = carry + chunk
        found = _find_marker(window)
        if found:
            _polyglot(fmt, found)
        carry = window[-overlap:]


def _truncated(fmt: str, why: str) -> None:
    raise MediaRejected("truncated", f"The {fmt.upper()} video is incomplete: {why}.")


def _not_media(what: str) -> None:
    raise MediaRejected("not_media", f"This file is {what}, not a video or photo we can accept.")


def _human(n: int) -> str:
    value = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} bytes"
