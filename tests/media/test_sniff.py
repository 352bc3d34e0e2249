from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from media import MediaRejected, make_test_clip, sniff_file


def rejected(path: Path, **kwargs) -> MediaRejected:
    with pytest.raises(MediaRejected) as caught:
        sniff_file(path, **kwargs)
    assert caught.value.message  # every rejection says why, in words
    return caught.value


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


@pytest.mark.parametrize(
    ("suffix", "fmt"),
    [(".mp4", "mp4"), (".mov", "mov"), (".mkv", "matroska"), (".avi", "avi"), (".ts", "mpegts")],
)
def test_it_recognises_video_containers_by_their_bytes_whatever_the_name(tmp_path, suffix, fmt):
    clip = make_test_clip(tmp_path / f"clip{suffix}", seconds=0.5, size=(160, 90))
    disguised = clip.rename(tmp_path / "holiday.jpg")

    found = sniff_file(disguised)

    assert (found.kind, found.format) == ("video", fmt)


@pytest.mark.parametrize(("pil_format", "fmt"), [("JPEG", "jpeg"), ("PNG", "png"), ("WEBP", "webp")])
def test_it_recognises_photos_and_reads_their_size_from_the_header(tmp_path, pil_format, fmt):
    path = tmp_path / "photo.mp4"
    Image.new("RGB", (320, 200), "teal").save(path, pil_format)

    found = sniff_file(path)

    assert (found.kind, found.format, found.width, found.height) == ("image", fmt, 320, 200)


def test_it_recognises_a_heic_photo_from_its_brand(tmp_path):
    path = tmp_path / "IMG_0001.HEIC"
    path.write_bytes(box(b"ftyp", b"heic" + b"\0\0\0\0" + b"mif1heic") + box(b"meta", b"\0" * 64))

    found = sniff_file(path)

    assert (found.kind, found.format, found.mime) == ("image", "heic", "image/heic")


def test_it_rejects_an_empty_file(tmp_path):
    (tmp_path / "a.mp4").write_bytes(b"")
    assert rejected(tmp_path / "a.mp4").code == "empty"


def test_it_rejects_random_bytes_named_mp4(tmp_path):
    path = tmp_path / "video.mp4"
    path.write_bytes(os.urandom(200_000))
    assert rejected(path).code == "not_media"


def test_it_rejects_a_text_file_and_says_so(tmp_path):
    path = tmp_path / "notes.mov"
    path.write_text("Officer notes: the van left at 10:42.\n" * 50)
    error = rejected(path)
    assert error.code == "not_media"
    assert "text" in error.message


def test_it_rejects_a_pdf_naming_what_it_is(tmp_path):
    path = tmp_path / "report.mp4"
    path.write_bytes(b"%PDF-1.7\n" + os.urandom(1000))
    error = rejected(path)
    assert (error.code, "PDF" in error.message) == ("not_media", True)


@pytest.mark.parametrize(
    "content",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'\xef\xbb\xbf<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg xmlns="http://www.w3.org/2000/svg"/>',
    ],
)
def test_it_rejects_an_svg_named_jpg(tmp_path, content):
    path = tmp_path / "photo.jpg"
    path.write_bytes(content)
    assert rejected(path).code == "svg"


def test_it_rejects_an_mp4_hiding_a_web_page_after_its_last_box(tmp_path):
    clip = make_test_clip(tmp_path / "clip.mp4", seconds=0.5, size=(160, 90))
    # Still a playable MP4: players skip a trailing 'free' box, a browser sniffing it finds HTML.
    path = tmp_path / "polyglot.mp4"
    path.write_bytes(clip.read_bytes() + box(b"free", b"<html><body><script>alert(document.cookie)</script>"))

    error = rejected(path)

    assert error.code == "polyglot"
    assert "<script" in error.message or "<html" in error.message


def test_it_rejects_an_mp4_with_a_web_page_in_its_header_boxes(tmp_path):
    clip = make_test_clip(tmp_path / "clip.mp4", seconds=0.5, size=(160, 90)).read_bytes()
    ftyp_size = struct.unpack(">I", clip[:4])[0]
    page = b"<!DOCTYPE html><html><script src=//evil.example/x.js></script>"
    path = tmp_path / "polyglot.mp4"
    path.write_bytes(clip[:ftyp_size] + box(b"skip", page + b" " * 70_000) + clip[ftyp_size:])

    assert rejected(path).code == "polyglot"


def test_it_rejects_a_web_page_with_a_video_glued_after_it(tmp_path):
    clip = make_test_clip(tmp_path / "clip.mp4", seconds=0.5, size=(160, 90)).read_bytes()
    path = tmp_path / "page.mp4"
    path.write_bytes(b"<html><body>hi</body></html>\n" + clip[:64] + b"ftyp")

    assert rejected(path).code == "polyglot"


@pytest.mark.parametrize("faststart", [False, True], ids=["moov-at-end", "moov-first"])
def test_it_rejects_the_first_half_of_a_real_mp4_as_truncated(tmp_path, faststart):
    clip = make_test_clip(tmp_path / "clip.mp4", seconds=1, size=(320, 180), faststart=faststart).read_bytes()
    path = tmp_path / "half.mp4"
    path.write_bytes(clip[: len(clip) // 2])

    error = rejected(path)

    assert error.code == "truncated"
    assert "incomplete" in error.message


def test_it_rejects_a_png_declaring_thirty_thousand_pixels_square(tmp_path):
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 30_000, 30_000, 1, 0, 0, 0, 0)  # 1-bit greyscale
    path = tmp_path / "bomb.png"
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 4000)) + chunk(b"IEND", b"")
    )
    assert path.stat().st_size < 1000

    error = rejected(path)

    assert error.code == "decompression_bomb"
    assert "900 megapixels" in error.message


def test_it_rejects_a_file_over_the_configured_size_limit(tmp_path):
    path = tmp_path / "big.jpg"
    Image.new("RGB", (64, 64)).save(path, "JPEG")

    error = rejected(path, max_bytes=100)

    assert error.code == "too_large"
    assert "limit" in error.message
