"""Speed of the face detector alone, per input shape the redaction pipeline uses.

    .venv/bin/python bench/detector.py [--rounds 5] [--float32]

Times `FaceDetector.detect` on one thread for the wide pass (640x352), the sweep (1280x720) and
the closer looks' square crops (160 to 320), on a real face photo from shared/media set on a grey
canvas, and prints milliseconds per inference and nanoseconds per input pixel (the model pads to
multiples of 32). The shapes are compiled for bfloat16 first where the CPU has it, as in the
pipeline. Rounds alternate over the shapes, and the fastest round counts: this host's speed swings
by up to 30% within minutes, and the fastest round is the one least disturbed by other guests.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from redact import MEDIA  # noqa: E402

from redaction.detector import FaceDetector  # noqa: E402

SHAPES = [(352, 640), (720, 1280), (160, 160), (192, 192), (224, 224), (256, 256), (288, 288), (320, 320)]


def picture(height: int, width: int) -> np.ndarray:
    """A face photo a third of the picture's height tall, on a grey canvas."""
    photo = cv2.cvtColor(cv2.imread(str(MEDIA / "faces" / "obama.jpg")), cv2.COLOR_BGR2RGB)
    face_h = max(16, height // 3)
    photo = cv2.resize(photo, (round(photo.shape[1] * face_h / photo.shape[0]), face_h))[:, : width // 2]
    canvas = np.full((height, width, 3), 120, np.uint8)
    canvas[height // 3: height // 3 + photo.shape[0], width // 4: width // 4 + photo.shape[1]] = photo
    return canvas


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--float32", action="store_true", help="onnxruntime in float32 only (no bfloat16 shapes)")
    a = ap.parse_args()
    detector = FaceDetector(threads=1, fast=not a.float32)
    compiling = detector.expect_shapes(SHAPES)
    if compiling is not None:
        compiling.join()
    pictures = {shape: picture(*shape) for shape in SHAPES}
    best: dict[tuple[int, int], float] = {}
    for _ in range(a.rounds):
        for shape, rgb in pictures.items():
            detector.detect(rgb)  # once untimed: the first inference of a shape allocates
            n = max(3, round(2_000_000 / (shape[0] * shape[1])))
            t0 = time.thread_time()
            for _ in range(n):
                detector.detect(rgb)
            per_call = (time.thread_time() - t0) / n
            best[shape] = min(best.get(shape, per_call), per_call)
    print(f"detector: {detector.runtime}; fastest of {a.rounds} rounds, one thread")
    for (h, w), seconds in best.items():
        padded = -(-h // 32) * 32 * (-(-w // 32) * 32)
        print(f"  {w:>4}x{h:<4} {seconds * 1000:7.2f} ms per inference  {seconds / padded * 1e9:5.0f} ns per pixel")
    return 0


if __name__ == "__main__":
    sys.exit(main())
