"""dlib's HOG frontal-face detector: a second detector family beside CenterFace.

Chosen because it is trained and built unlike CenterFace (a linear SVM over histograms of
oriented gradients, from dlib's own labelled faces, no neural network), so it does not miss a face
for CenterFace's reasons, and it is quick enough on one core to look at every second frame of a
release copy at full resolution. Its filters are compiled into the `dlib-bin` wheel: nothing is
downloaded, and `model_sha256` is of the detector as that wheel serialises it.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import math
import os
import tempfile
import threading
from functools import cached_property
from pathlib import Path

import cv2
import numpy as np

from .detector import Detection, brighten_if_dark

MODEL_NAME = "dlib HOG frontal face detector (dlib-bin get_frontal_face_detector)"
DISTRIBUTION = "dlib-bin"


_PER_THREAD = threading.local()


def _frontal_face_detector():
    """dlib's detector, built once per thread: building it parses its filters from text, which
    costs most of a second, and every check makes one; a thread of its own keeps dlib's
    one-thread-at-a-time rule for a detector."""
    detector = getattr(_PER_THREAD, "detector", None)
    if detector is None:
        import dlib

        detector = _PER_THREAD.detector = dlib.get_frontal_face_detector()
    return detector


def installed_module_path() -> Path:
    """Where the dlib extension holding the detector's filters was installed from."""
    import dlib

    return Path(dlib.__file__).resolve().parent


class HogFaceDetector:
    """Finds upright faces, frontal to about half-profile, of at least about 80 px (the HOG
    window; `upsample` halves that each time, at four times the cost).

    Scores are the SVM's margin put through a logistic curve: 0.5 at the detector's own decision
    boundary, so they read like CenterFace's; `threshold` is on that scale.
    """

    def __init__(self, *, threshold: float = 0.5, upsample: int = 0):
        import dlib

        self._dlib = dlib
        self.detector = _frontal_face_detector()
        self.threshold = threshold
        self.upsample = upsample

    @cached_property
    def software(self) -> dict[str, str]:
        return {"dlib": self._dlib.__version__, DISTRIBUTION: importlib.metadata.version(DISTRIBUTION)}

    @cached_property
    def model_sha256(self) -> str:
        with tempfile.TemporaryDirectory(prefix="hog-model-") as tmp:
            path = os.path.join(tmp, "frontal_face_detector.svm")
            self.detector.save(path)
            return hashlib.sha256(Path(path).read_bytes()).hexdigest()

    def detect(self, image: np.ndarray, *, threshold: float | None = None) -> list[Detection]:
        """Faces in an RGB or grey image, boxes in its own pixels (clipped to it)."""
        threshold = self.threshold if threshold is None else threshold
        gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
        # Night footage: the gradients of a dark face are too weak for the SVM until lifted.
        gray = np.ascontiguousarray(brighten_if_dark(gray))
        margin = math.log(threshold / (1 - threshold)) if 0 < threshold < 1 else 0.0
        rects, scores, _ = self.detector.run(gray, self.upsample, margin)
        h, w = gray.shape[:2]
        found = []
        for r, s in zip(rects, scores):
            x1, y1 = max(0.0, float(r.left())), max(0.0, float(r.top()))
            x2, y2 = min(float(w), float(r.right() + 1)), min(float(h), float(r.bottom() + 1))
            if x2 > x1 and y2 > y1:
                found.append(Detection(x1, y1, x2, y2, 1 / (1 + math.exp(-s))))
        return found
