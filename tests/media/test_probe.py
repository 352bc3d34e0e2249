from __future__ import annotations

import struct
import threading
import zlib
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image

from media import MediaRejected, make_test_clip, parse_iso6709, probe_media
from media import probe as probe_module


def test_it_reads_codecs_size_duration_and_frame_rate(tagged_clip):
    info = probe_media(tagged_clip)

    assert (info.kind, info.format, info.mime) == ("video", "mp4", "video/mp4")
    assert (info.video_codec, info.audio_codec, info.has_audio) == ("h264", "aac", True)
    assert (info.width, info.height) == (640, 360)
    assert info.duration == pytest.approx(3.0, abs=0.1)
    assert info.fps == pytest.approx(30.0)
    assert info.bitrate and info.bitrate > 0
    assert "mp4" in info.container


def test_it_reads_capture_time_place_and_device_from_container_tags(tagged_clip):
    info = probe_media(tagged_clip)

    assert info.captured_at == datetime(2024, 5, 1, 12, 34, 56, tzinfo=timezone.utc)
    assert (info.latitude, info.longitude) == pytest.approx((40.7128, -74.006))
    assert (info.make, info.model) == ("Axon", "Body 4")


def test_it_prefers_apples_own_quicktime_tags(tmp_path):
    clip = make_test_clip(
        tmp_path / "IMG_0001.MOV",
        seconds=0.5,
        size=(160, 90),
        metadata={
            "creation_time": "2024-05-01T13:00:00Z",  # when the file was written, not shot
            "com.apple.quicktime.creationdate": "2024-05-01T08:34:56-0400",
            "com.apple.quicktime.location.ISO6709": "+37.3349-122.0090+030.000/",
            "com.apple.quicktime.make": "Apple",
            "com.apple.quicktime.model": "iPhone 15",
        },
    )

    info = probe_media(clip)

    assert info.format == "mov"
    assert info.captured_at == datetime(2024, 5, 1, 8, 34, 56, tzinfo=timezone(timedelta(hours=-4)))
    assert (info.latitude, info.longitude) == pytest.approx((37.3349, -122.009))
    assert (info.make, info.model) == ("Apple", "iPhone 15")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+40.7128-074.0060/", (40.7128, -74.006)),
        ("-33.8688+151.2093+012.5/", (-33.8688, 151.2093)),
        ("+4042.768-07400.360/", (40.7128, -74.006)),  # degrees and decimal minutes
        ("+404246.08-0740021.6/", (40.7128, -74.006)),  # degrees, minutes, seconds
        ("", (None, None)),
        ("somewhere", (None, None)),
        ("+95.0+010.0/", (None, None)),
    ],
)
def test_it_reads_iso_6709_locations(text, expected):
    lat, lon = parse_iso6709(text)
    if expected[0] is None:
        assert (lat, lon) == expected
    else:
        assert (lat, lon) == pytest.approx(expected, abs=1e-4)


def test_it_reads_exif_from_a_photo(tmp_path):
    exif = Image.Exif()
    exif[271], exif[272] = "Canon", "EOS R6"
    exif.get_ifd(0x8769).update({36867: "2024:05:01 09:15:00", 36881: "-04:00"})
    exif.get_ifd(0x8825).update({1: "N", 2: (40.0, 42.0, 46.08), 3: "W", 4: (74.0, 0.0, 21.6)})
    path = tmp_path / "photo.jpg"
    Image.new("RGB", (400, 300), "navy").save(path, "JPEG", exif=exif)

    info = probe_media(path)

    assert (info.kind, info.format, info.width, info.height) == ("image", "jpeg", 400, 300)
    assert info.captured_at == datetime(2024, 5, 1, 9, 15, tzinfo=timezone(timedelta(hours=-4)))
    assert (info.make, info.model) == ("Canon", "EOS R6")
    assert (info.latitude, info.longitude) == pytest.approx((40.7128, -74.006), abs=1e-4)
    assert info.duration is None


def test_it_rejects_a_photo_cut_short(tmp_path):
    path = tmp_path / "photo.png"
    Image.effect_noise((300, 300), 60).convert("RGB").save(path, "PNG")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])

    with pytest.raises(MediaRejected) as caught:
        probe_media(path)
    assert caught.value.code == "truncated"


def test_it_rejects_an_image_over_the_pixel_limit_before_decoding_it(tmp_path):
    path = tmp_path / "wide.png"
    Image.new("1", (4000, 3000)).save(path, "PNG")

    with pytest.raises(MediaRejected) as caught:
        probe_media(path, max_pixels=10_000_000)
    assert caught.value.code == "decompression_bomb"
    assert "4000×3000" in caught.value.message


def test_a_png_bomb_is_rejected_by_probe_too(tmp_path):
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    path = tmp_path / "bomb.png"
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 30_000, 30_000, 1, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\0" * 4000))
        + chunk(b"IEND", b"")
    )
    with pytest.raises(MediaRejected) as caught:
        probe_media(path)
    assert caught.value.code == "decompression_bomb"


def test_it_rejects_a_truncated_mp4(tagged_clip, tmp_path):
    half = tmp_path / "half.mp4"
    half.write_bytes(tagged_clip.read_bytes()[: tagged_clip.stat().st_size // 2])

    with pytest.raises(MediaRejected) as caught:
        probe_media(half)
    assert caught.value.code == "truncated"


def test_it_rejects_a_truncated_matroska_by_decoding_near_the_end(tmp_path):
    # Matroska has no index to check up front: only decoding the last second shows the cut.
    clip = make_test_clip(tmp_path / "clip.mkv", seconds=3, size=(320, 180))
    half = tmp_path / "half.mkv"
    half.write_bytes(clip.read_bytes()[: clip.stat().st_size // 2])

    with pytest.raises(MediaRejected) as caught:
        probe_media(half)
    assert caught.value.code == "truncated"
    assert "ended prematurely" in caught.value.message
    assert str(tmp_path) not in caught.value.message  # no server paths in messages for uploaders


def test_the_last_second_is_decoded_while_ffprobe_reads_the_file(tagged_clip, monkeypatch):
    decoding = threading.Event()
    overlapped = []
    real_run_tool = probe_module.run_tool

    def run_tool(args, limits):
        if "framecrc" in args:
            decoding.set()
        else:
            overlapped.append(decoding.wait(30))
        return real_run_tool(args, limits)

    monkeypatch.setattr(probe_module, "run_tool", run_tool)
    info = probe_media(tagged_clip)

    assert overlapped == [True]
    assert info.duration == pytest.approx(3.0, abs=0.1)


def test_a_probe_that_runs_out_of_time_rejects_the_file(tagged_clip):
    with pytest.raises(MediaRejected) as caught:
        probe_media(tagged_clip, timeout=0.001)
    assert caught.value.code == "timeout"


def test_a_heic_photo_this_pillow_cannot_decode_is_still_recognised(tmp_path):
    def box(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", 8 + len(payload)) + kind + payload

    path = tmp_path / "IMG_0001.HEIC"
    path.write_bytes(box(b"ftyp", b"heic\0\0\0\0mif1heic") + box(b"meta", b"\0" * 64))

    info = probe_media(path)

    assert (info.kind, info.format, info.mime, info.width) == ("image", "heic", "image/heic", None)
