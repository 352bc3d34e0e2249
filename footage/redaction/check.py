"""Second, independent check of a rendered release copy: look again for faces left unhidden.

It does not trust the pipeline's log: it decodes the release copy itself and runs the detector at
the copy's full resolution in overlapping tiles (finer than the pipeline's own full-frame pass),
plus a whole-frame pass for large faces, on every Nth frame.

    python -m footage.redaction.check OUT.mp4 [--every 10] [--threshold 0.5] [--json]

Exits 1 when it finds a face, 0 when it finds none.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from typing import Callable, Iterable

import numpy as np

from . import media
from .detector import Detection, FaceDetector, merge
from .regions import TrackMark, spared_boxes


def scan_for_unhidden_faces(
    video_path: str | os.PathLike,
    *,
    every: int = 10,
    threshold: float = 0.5,
    tile: int = 640,
    min_size: float = 10.0,
    detector: FaceDetector | None = None,
    progress: Callable[[float], None] | None = None,
) -> list[tuple[int, tuple[float, float, float, float], float]]:
    """Frames of `video_path` where a face still appears: (frame_index, box, score).

    Boxes are in the video's own pixels. Every `every`th frame is scanned, at full resolution.
    `progress` is told the share of frames scanned after each.
    """
    info = media.probe(video_path)
    w, h = info.width, info.height
    detector = detector or FaceDetector(threads=1, fast=False)  # float32: not the render's arithmetic
    cmd = [
        # -xerror: without it ffmpeg exits 0 on a file cut short, and the missing frames would
        # pass as scanned.
        "ffmpeg", "-nostdin", "-v", "error", "-xerror", "-i", os.fspath(video_path), "-map", "0:v:0",
        "-vf", f"select='not(mod(n\\,{every}))'", "-fps_mode", "passthrough",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1",
    ]
    found = []
    size = w * h * 3
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
        try:
            k = 0
            while True:
                buf = proc.stdout.read(size)
                if len(buf) < size:
                    break
                rgb = np.frombuffer(buf, np.uint8).reshape(h, w, 3)
                dets: list[Detection] = detector.detect_tiled(rgb, tile, overlap=0.25, threshold=threshold)
                if w > tile:
                    dets = merge(dets + detector.detect_scaled(rgb, tile, threshold=threshold))
                for d in dets:
                    if min(d.x2 - d.x1, d.y2 - d.y1) >= min_size:
                        found.append((k * every, tuple(round(v, 1) for v in d.box), round(d.score, 3)))
                k += 1
                if progress and info.frames:
                    progress(min(k * every / info.frames, 1.0))
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        # The pipe reached its end; ffmpeg is exiting. A failure part-way must not pass as a clean
        # scan: the frames never decoded would read as "no face found".
        if proc.wait(timeout=60) != 0:
            err.seek(0)
            raise media.MediaError(
                f"could not decode {video_path} to the end (scanned {k} frames): "
                f"{err.read()[-1000:].decode(errors='replace')}"
            )
    return found


def split_spared_findings(findings, tracks, marks: Iterable[TrackMark]) -> tuple[list, list]:
    """Separate the findings a reviewer's decision explains from the rest.

    `findings` are (frame, box, score) from `scan_for_unhidden_faces`; `tracks` the render's
    regions log tracks (boxes as hidden, in release-copy pixels); `marks` the confirmed "do not
    redact" decisions. A finding whose centre lies in the box a mark left unhidden on that frame
    (the box the render spared, found as the render found it) is that person, shown on purpose.
    Returns (still to look at, [(finding, mark id), ...]).
    """
    marks = list(marks)
    by_frame: dict[int, dict[int, tuple]] = defaultdict(dict)
    for track in tracks:
        for f, *box in track.get("frames", []):
            by_frame[int(f)][track["id"]] = tuple(box[:4])
    keep, spared = [], []
    for finding in findings:
        frame, box = int(finding[0]), finding[1]
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        boxes = by_frame.get(frame, {})
        by = next(
            (mark for tid, mark in (spared_boxes(boxes, marks, frame) if boxes and marks else {}).items()
             if boxes[tid][0] <= cx <= boxes[tid][2] and boxes[tid][1] <= cy <= boxes[tid][3]),
            None,
        )
        if by is None:
            keep.append(finding)
        else:
            spared.append((finding, by))
    return keep, spared


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m footage.redaction.check", description=__doc__.split("\n")[0])
    ap.add_argument("video")
    ap.add_argument("--every", type=int, default=10, help="scan every Nth frame (default 10)")
    ap.add_argument("--threshold", type=float, default=0.5, help="detector score that counts as a face")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    found = scan_for_unhidden_faces(a.video, every=a.every, threshold=a.threshold)
    if a.json:
        print(json.dumps([{"frame": f, "box": list(b), "score": s} for f, b, s in found]))
    else:
        for f, b, s in found:
            print(f"frame {f}: face at {b} score {s}")
        print(f"{len(found)} unhidden face(s) found" if found else "no unhidden faces found")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
