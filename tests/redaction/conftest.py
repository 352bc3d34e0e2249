"""Fixtures for the redaction tests: one short generated clip per test run, and its redactions.

The clip comes from shared/media/make_clip.py (1080p, exact per-frame face boxes, GPS and device
tags like a real body-cam file), scaled to 720p to keep the tests quick. Both encodes run x264 on
one thread: with several, its rate control makes other pixels on every run (the same code scored
0.71 and above 0.9 on one band in two runs), and a test must see the same clip each time.
"""
from __future__ import annotations

import fcntl
import functools
import json
import os
import pickle
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from redaction.regions_log import RegionsLog
from tests.shared_media import ROOT, shared_media

SECONDS = 4
MUTE = (1.0, 2.5)
# make_clip.py's encoder arguments, its preset, and where it finds its face photos.
X264_LINE = "enc += ['-c:v', 'libx264',"
X264_PRESET = "'-preset', 'fast',"
HERE = "os.path.dirname(os.path.abspath(__file__))"


def one_thread_make_clip(media_dir: Path, directory: Path) -> Path:
    """A copy of make_clip.py whose encoder runs on one thread, so it makes the same file every
    time, and with x264's veryfast preset at the same bitrate, since the 720p copy below is all
    the tests but one see (shared/ is not touched)."""
    text = (media_dir / "make_clip.py").read_text()
    if X264_LINE not in text or X264_PRESET not in text or HERE not in text:
        pytest.fail("make_clip.py has changed: cannot make its encode repeatable (see X264_LINE, X264_PRESET, HERE)")
    text = text.replace(X264_LINE, X264_LINE + " '-threads', '1',").replace(HERE, repr(str(media_dir)))
    text = text.replace(X264_PRESET, "'-preset', 'veryfast',")
    script = directory / "make_clip_one_thread.py"
    script.write_text(text)
    return script


@functools.lru_cache(maxsize=None)
def render_detector():
    """The render's detector, one per test process as one per render worker
    (releases.rendering.face_detector): it keeps the input shapes it has compiled, and each video
    is found on it as on a fresh one (redaction.detector.Bfloat16Shapes)."""
    from redaction.detector import FaceDetector

    return FaceDetector(threads=1)


@dataclass
class Clip:
    path: Path  # 1280x720, with audio and metadata tags
    gt: Path  # ground truth scaled to 1280x720
    frames: int
    source: Path  # the generator's 1920x1080 original
    source_gt: Path


@pytest.fixture(scope="session")
def media_dir() -> Path:
    media = shared_media("make_clip.py")
    if not shutil.which("ffmpeg"):
        pytest.fail("ffmpeg is missing: `make test` installs it (scripts/ensure_system_packages.sh)")
    return media


def made_once_per_run(tmp_path_factory, name: str, make):
    """`make(folder)`'s result, made by the first pytest-xdist worker of the run that asks, in a
    folder all of them share; the others wait for it, then read it (so the tests using it may run on
    any worker)."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder, saved = shared / name, shared / f"{name}.pickle"
    with open(shared / f"{name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not saved.exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a worker that failed making it left
            folder.mkdir()
            saved.write_bytes(pickle.dumps(make(folder)))
    return pickle.loads(saved.read_bytes())


def make_clip(media_dir: Path, d: Path) -> Clip:
    wav, big, big_gt = d / "tone.wav", d / "clip1080.mp4", d / "gt1080.json"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={SECONDS}",
         "-af", "volume=0.5", str(wav)],
        check=True,
    )
    subprocess.run([sys.executable, str(one_thread_make_clip(media_dir, d)), str(big), str(big_gt), str(SECONDS), str(wav)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    small, small_gt = d / "clip720.mp4", d / "gt720.json"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(big), "-vf", "scale=1280:720", "-c:v", "libx264", "-threads", "1", "-preset", "veryfast",
         "-crf", "18", "-c:a", "copy", "-map_metadata", "0", "-movflags", "+faststart+use_metadata_tags", str(small)],
        check=True,
    )
    gt = json.load(open(big_gt))
    s = 1280 / gt["width"]
    gt["width"], gt["height"] = 1280, 720
    for faces in gt["frames"]:
        for f in faces:
            f["box"] = [round(v * s, 1) for v in f["box"]]
    small_gt.write_text(json.dumps(gt))
    return Clip(small, small_gt, len(gt["frames"]), big, big_gt)


@pytest.fixture(scope="session")
def clip(media_dir: Path, tmp_path_factory) -> Clip:
    return made_once_per_run(tmp_path_factory, "clip", lambda d: make_clip(media_dir, d))


OPENING_FRAMES = 30


@pytest.fixture(scope="session")
def opening(clip: Clip, tmp_path_factory) -> Path:
    """The clip's first second, its frames as they are (a stream copy): for the tests whose
    assertions hold on any stretch of a clip with faces in it."""

    def cut(d: Path) -> Path:
        path = d / "opening.mp4"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(clip.path), "-frames:v", str(OPENING_FRAMES), "-c", "copy", str(path)],
                       check=True)
        return path

    return made_once_per_run(tmp_path_factory, "opening", cut)


@dataclass
class Rendered:
    path: Path
    log: RegionsLog  # as read back from the file written beside the copy
    result: object


@pytest.fixture(scope="session")
def blurred(clip: Clip, tmp_path_factory) -> Rendered:
    """The clip redacted in blur mode, with a mute range."""
    from redaction import redact_video

    def render(d: Path):
        out, log = d / "release.mp4", d / "regions.json"
        return out, log, redact_video(clip.path, out, mode="blur", log_path=log, mute_ranges=[MUTE], detector=render_detector())

    out, log, result = made_once_per_run(tmp_path_factory, "blurred", render)
    return Rendered(out, RegionsLog.read(log), result)


@pytest.fixture(scope="session")
def clip_scanned(clip: Clip, tmp_path_factory) -> list:
    """The second check's `scan_for_unhidden_faces(clip.path, every=15)` of the unredacted clip:
    the same call in more than one test, so made once per run (in one process: the run's workers
    fill the cores; test_check.py checks that two processes find what one finds)."""
    from redaction import scan_for_unhidden_faces

    return made_once_per_run(tmp_path_factory, "clip-scanned", lambda d: scan_for_unhidden_faces(clip.path, every=15, workers=1))


def score(media_dir: Path, clip: Clip, redacted: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, str(media_dir / "score.py"), str(clip.path), str(redacted), str(clip.gt), "--json"],
        check=True, capture_output=True, text=True,
    )
    return json.loads(proc.stdout)
