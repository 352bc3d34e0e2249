"""python -m redaction runs on its own, with mute ranges and bleeps."""
from __future__ import annotations

import json
import subprocess
import sys

from .conftest import ROOT
from .test_pipeline import volume


def test_the_command_line_renders_a_bleeped_and_muted_release_copy_and_its_log(clip, tmp_path):
    out, log = tmp_path / "out.mp4", tmp_path / "regions.json"
    proc = subprocess.run(
        [sys.executable, "-m", "redaction", str(clip.path), str(out), "--log", str(log),
         "--mode", "fill", "--bleep-range", "0.5-1.5", "--mute", "2.5-3.0", "--max-height", "360", "--float32",
         "--quiet"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(log.read_text())
    assert data["mode"] == "fill"
    assert data["detector"]["runtime"] == "onnxruntime CPUExecutionProvider float32"
    assert data["output"]["height"] == 360
    assert data["bleep_ranges"] == [[0.5, 1.5]] and data["mute_ranges"] == [[2.5, 3.0]]
    # Each range gets its own treatment: the muted one is silent, with no tone.
    assert volume(out, 2.6, 0.3)[1] < -60
    # The 440 Hz tone of the clip is replaced by the bleep, and is back after the range.
    bleep_mean, _ = volume(out, 0.7, 0.6)
    assert bleep_mean > -40
    tone = subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", "0.7", "-t", "0.6", "-i", str(out), "-vn", "-ac", "1", "-ar", "8000",
         "-f", "s16le", "-"],
        check=True, capture_output=True,
    ).stdout
    import numpy as np

    samples = np.frombuffer(tone, np.int16).astype(np.float32)
    spectrum = np.abs(np.fft.rfft(samples))
    peak_hz = np.argmax(spectrum) * 8000 / len(samples)
    assert 950 < peak_hz < 1050


def test_the_command_line_rejects_a_bad_mute_range(clip, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "redaction", str(clip.path), str(tmp_path / "o.mp4"), "--mute", "5-2"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert proc.returncode == 2
    assert "mute range" in proc.stderr
    assert not (tmp_path / "o.mp4").exists()


def test_the_command_line_leaves_tracks_of_an_earlier_log_unhidden(opening, blurred, tmp_path):
    earlier = tmp_path / "earlier.json"
    blurred.log.write(earlier)
    track = blurred.log.as_dict()["tracks"][0]
    # Rendered again over the clip's first second (its frames as they are): the first track's
    # face is there, and a mark finds it by its boxes frame by frame.
    out, log = tmp_path / "out.mp4", tmp_path / "regions.json"
    base = [sys.executable, "-m", "redaction", str(opening), str(out), "--log", str(log), "--quiet"]

    alone = subprocess.run(base + ["--suppress", str(track["id"])], cwd=ROOT, capture_output=True, text=True)
    assert alone.returncode == 2 and "--tracks-from" in alone.stderr
    unknown = subprocess.run(base + ["--suppress", "9999", "--tracks-from", str(earlier)], cwd=ROOT, capture_output=True, text=True)
    assert unknown.returncode == 2 and "no track 9999" in unknown.stderr
    assert not out.exists()

    proc = subprocess.run(base + ["--suppress", str(track["id"]), "--tracks-from", str(earlier)], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    tracks = {t["id"]: t for t in json.loads(log.read_text())["tracks"]}
    assert tracks[track["id"]]["suppressed"]
    assert not any(t["spared"] for tid, t in tracks.items() if tid != track["id"])
