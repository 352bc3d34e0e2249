from __future__ import annotations

import os
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from media import (
    ProcessingError,
    make_poster,
    make_proxy,
    make_test_clip,
    make_thumbnail_strip,
    probe_media,
    sweep_partial_outputs,
)

ROOT = Path(__file__).resolve().parents[2]


def top_level_boxes(path: Path) -> list[str]:
    boxes, pos, size = [], 0, path.stat().st_size
    with path.open("rb") as f:
        while pos < size:
            f.seek(pos)
            length, kind = struct.unpack(">I4s", f.read(8))
            if length == 1:
                (length,) = struct.unpack(">Q", f.read(8))
            boxes.append(kind.decode("latin-1"))
            pos += length
    return boxes


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".part"))


def test_the_proxy_is_h264_aac_720p_and_plays_while_downloading(hd_clip, tmp_path):
    seen: list[float] = []
    dst = tmp_path / "proxy.mp4"

    result = make_proxy(hd_clip, dst, progress=seen.append)

    info = probe_media(dst)
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    assert (info.width, info.height) == (result.width, result.height) == (1280, 720)
    assert info.duration == pytest.approx(1.0, abs=0.1)
    boxes = top_level_boxes(dst)
    assert boxes.index("moov") < boxes.index("mdat")  # faststart
    assert seen[-1] == 1.0 and seen == sorted(seen)
    assert leftovers(tmp_path) == []


def test_the_proxy_never_upscales_and_keeps_portrait_upright(tmp_path):
    small = make_test_clip(tmp_path / "small.mp4", seconds=0.5, size=(320, 180), with_audio=False)
    portrait = make_test_clip(tmp_path / "portrait.mp4", seconds=0.5, size=(600, 1400), with_audio=False)

    small_proxy = make_proxy(small, tmp_path / "small-proxy.mp4")
    portrait_proxy = make_proxy(portrait, tmp_path / "portrait-proxy.mp4")

    assert (small_proxy.width, small_proxy.height, small_proxy.has_audio) == (320, 180, False)
    assert (portrait_proxy.width, portrait_proxy.height) == (548, 1280)
    assert probe_media(tmp_path / "portrait-proxy.mp4").audio_codec is None


def test_poster_and_strip_are_jpegs_of_the_expected_size(tagged_clip, tmp_path):
    poster = make_poster(tagged_clip, tmp_path / "poster.jpg", at_seconds=99)  # past the end: clamped
    strip = make_thumbnail_strip(tagged_clip, tmp_path / "strip.jpg", count=10, height=90)

    with Image.open(poster.path) as img:
        assert (img.format, img.size) == ("JPEG", (640, 360))
    with Image.open(strip.path) as img:
        assert (img.format, img.size) == ("JPEG", (1600, 90))
    assert (strip.tile_width, strip.count) == (160, 10)
    assert strip.times == tuple(sorted(strip.times)) and strip.times[-1] < 3.0


def test_a_photo_poster_is_upright_smaller_and_has_no_exif(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # shot with the phone turned: display rotated a quarter turn
    exif.get_ifd(0x8825).update({1: "N", 2: (40.0, 42.0, 46.08), 3: "W", 4: (74.0, 0.0, 21.6)})
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (4000, 3000), "olive").save(photo, "JPEG", exif=exif)

    poster = make_poster(photo, tmp_path / "poster.jpg")

    with Image.open(poster.path) as img:
        assert img.size == (poster.width, poster.height) == (960, 1280)
        assert not img.getexif()


def test_a_photo_has_no_proxy(tmp_path):
    photo = tmp_path / "photo.png"
    Image.new("RGB", (10, 10)).save(photo)
    with pytest.raises(ProcessingError) as caught:
        make_proxy(photo, tmp_path / "proxy.mp4")
    assert caught.value.code == "unsupported"


class Cancelled(Exception):
    pass


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory) -> Path:
    return make_test_clip(tmp_path_factory.mktemp("long") / "long.mp4", seconds=20, size=(640, 360))


def test_a_cancelled_proxy_leaves_nothing_behind(long_clip, tmp_path):
    dst = tmp_path / "proxy.mp4"

    def cancel_midway(fraction: float) -> None:
        if fraction > 0.05:
            raise Cancelled

    with pytest.raises(Cancelled):
        make_proxy(long_clip, dst, progress=cancel_midway)

    assert not dst.exists()
    assert leftovers(tmp_path) == []


def test_a_proxy_that_runs_out_of_time_leaves_nothing_behind(long_clip, tmp_path):
    dst = tmp_path / "proxy.mp4"
    with pytest.raises(ProcessingError) as caught:
        make_proxy(long_clip, dst, timeout=0.5)
    assert caught.value.code == "timeout"
    assert not dst.exists()
    assert leftovers(tmp_path) == []


def test_a_killed_proxy_job_never_leaves_a_partial_proxy(long_clip, tmp_path):
    dst = tmp_path / "proxy.mp4"
    started = tmp_path / "started"
    job = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, pathlib\n"
         "from media import make_proxy\n"
         "flag = pathlib.Path(sys.argv[3])\n"
         "make_proxy(sys.argv[1], sys.argv[2], progress=lambda f: f > 0.02 and flag.touch())\n",
         str(long_clip), str(dst), str(started)],
        cwd=ROOT,
    )
    deadline = time.monotonic() + 30
    while not started.exists():
        assert job.poll() is None and time.monotonic() < deadline, "the proxy job never got going"
        time.sleep(0.05)

    os.kill(job.pid, signal.SIGKILL)  # the worker dies mid-encode (OOM killer, machine reboot)
    job.wait()
    time.sleep(0.5)

    assert not dst.exists()
    # and its ffmpeg died with it, instead of encoding on for nobody
    assert not [p for p in Path("/proc").glob("[0-9]*/cmdline") if str(tmp_path).encode() in _read(p)]


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def test_the_sweeper_removes_only_stale_partial_outputs(tmp_path):
    stale, fresh, kept = tmp_path / ".proxy.mp4.abc.part", tmp_path / ".proxy.mp4.def.part", tmp_path / "proxy.mp4"
    for path in (stale, fresh, kept):
        path.write_bytes(b"x")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))

    assert sweep_partial_outputs(tmp_path, older_than=3600) == [stale]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".proxy.mp4.def.part", "proxy.mp4"]
