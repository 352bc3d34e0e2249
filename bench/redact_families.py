"""What each detector family scores on a face the render left unhidden, against what it scores on
the background around it: whether fusing a family where a face is missed could find it.

    .venv/bin/python bench/redact_families.py SEED FIRST LAST [--src astronaut] [--seconds 10]

For every frame FIRST..LAST of the generated clip (bench/redact_clips.py's, from its cache), each
ground-truth face under 48 px (or the faces whose photo name contains --src) is shown to CenterFace
(three times its size around it, enlarged so the face is 64 px, lifted as the render lifts a dark
crop) and to dlib's HOG (the same window mirrored beyond the frame's edge, enlarged so the face is
128 px, HOG's window). The same looks at random face-sized places away from every face, on every
fifth of those frames, give each family's scores on background: a family helps only where a face
scores clearly above its background.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from redact_clips import generated_clip  # noqa: E402
from redaction.check import _lift_if_dark  # noqa: E402
from redaction.detector import FaceDetector  # noqa: E402
from redaction.hog_detector import HogFaceDetector  # noqa: E402


def looks(rgb, box, cf, hog) -> tuple[float, float]:
    """CenterFace's and HOG's best score around `box` (0 where neither finds anything)."""
    H, W = rgb.shape[:2]
    x1, y1, x2, y2 = box
    side = max(x2 - x1, y2 - y1, 8)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    a, b = int(max(0, cx - 1.5 * side)), int(min(W, cx + 1.5 * side))
    c, d = int(max(0, cy - 1.5 * side)), int(min(H, cy + 1.5 * side))
    crop = _lift_if_dark(rgb[c:d, a:b])
    big = cv2.resize(crop, None, fx=64 / side, fy=64 / side, interpolation=cv2.INTER_LINEAR)
    cf_score = max([x.score for x in cf.detect(big, threshold=0.01)] or [0.0])
    left, right = int(max(0, 1.5 * side - cx)), int(max(0, cx + 1.5 * side - W))
    mirrored = cv2.copyMakeBorder(crop, 0, 0, min(left, crop.shape[1] - 1), min(right, crop.shape[1] - 1), cv2.BORDER_REFLECT_101)
    hb = cv2.resize(mirrored, None, fx=128 / side, fy=128 / side, interpolation=cv2.INTER_LINEAR)
    hog_score = max([x.score for x in hog.detect(hb, threshold=0.05)] or [0.0])
    return cf_score, hog_score


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("seed", type=int)
    ap.add_argument("first", type=int)
    ap.add_argument("last", type=int)
    ap.add_argument("--src", help="only faces whose photo name contains this")
    ap.add_argument("--seconds", type=float, default=10)
    a = ap.parse_args()
    mp4, gt_path, _ = generated_clip(a.seconds, a.seed)
    gt = json.loads(Path(gt_path).read_text())
    cf, hog = FaceDetector(threads=1, fast=False), HogFaceDetector()
    rng = np.random.default_rng(a.seed)
    cap = cv2.VideoCapture(str(mp4))
    faces, background = [], []
    for n in range(a.last + 1):
        ok, bgr = cap.read()
        if not ok:
            break
        if n < a.first:
            continue
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        H, W = rgb.shape[:2]
        chosen = [f for f in gt["frames"][n] if f["vis"] >= 0.5
                  and ((a.src and a.src in f["src"]) or (not a.src and f["box"][3] - f["box"][1] < 48))]
        for f in chosen:
            s = looks(rgb, f["box"], cf, hog)
            faces.append(s)
            print(f"f{n} {f['src'][:14]:14} {[round(v) for v in f['box']]} luma {cv2.mean(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))[0]:.0f}"
                  f"  CenterFace {s[0]:.2f}  HOG {s[1]:.2f}")
        if n % 5 or not chosen:
            continue
        side = float(np.median([f["box"][3] - f["box"][1] for f in chosen]))
        boxes = [f["box"] for f in gt["frames"][n]]
        for _ in range(30):
            cx, cy = rng.uniform(1.5 * side, W - 1.5 * side), rng.uniform(1.5 * side, H - 1.5 * side)
            win = (cx - 1.5 * side, cy - 1.5 * side, cx + 1.5 * side, cy + 1.5 * side)
            if any(min(b[2], win[2]) > max(b[0], win[0]) and min(b[3], win[3]) > max(b[1], win[1]) for b in boxes):
                continue
            background.append(looks(rgb, (cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2), cf, hog))
    for name, i in (("CenterFace", 0), ("HOG", 1)):
        f = np.array([s[i] for s in faces]) if faces else np.zeros(1)
        b = np.array([s[i] for s in background]) if background else np.zeros(1)
        print(f"{name:>10}: faces median {np.median(f):.2f} (10th-90th {np.percentile(f, 10):.2f}-{np.percentile(f, 90):.2f}), "
              f"{len(faces)} looks; background 90th {np.percentile(b, 90):.2f}, 99th {np.percentile(b, 99):.2f}, {len(background)} looks; "
              f"faces above the background's 99th: {np.mean(f > np.percentile(b, 99)) * 100:.0f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
