"""The second detector family (dlib's HOG detector) is read from its installed wheel, never fetched."""
from __future__ import annotations

import importlib.metadata
import json
import socket
from pathlib import Path

import cv2

from tests.shared_media import shared_media


def test_its_model_is_read_from_the_installed_dlib_bin_package_with_no_network(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the detector tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    from redaction.hog_detector import DISTRIBUTION, HogFaceDetector, installed_module_path

    installed = {Path(str(importlib.metadata.distribution(DISTRIBUTION).locate_file(f))).resolve()
                 for f in importlib.metadata.distribution(DISTRIBUTION).files}
    module = installed_module_path()
    assert module / "__init__.py" in installed
    assert any(p.suffix == ".so" and p.parent == module.parent for p in installed)

    detector = HogFaceDetector()
    assert len(detector.model_sha256) == 64
    assert detector.model_sha256 == HogFaceDetector().model_sha256  # the same filters every time

    media = shared_media("faces/obama.jpg")
    x1, y1, x2, y2 = json.loads((media / "faces" / "faces.json").read_text())["obama.jpg"][0][:4]
    rgb = cv2.cvtColor(cv2.imread(str(media / "faces" / "obama.jpg")), cv2.COLOR_BGR2RGB)
    found = detector.detect(rgb)
    assert any(d.x1 < (x1 + x2) / 2 < d.x2 and d.y1 < (y1 + y2) / 2 < d.y2 and d.score > 0.5 for d in found)


def test_it_finds_no_face_in_a_blank_frame():
    import numpy as np

    from redaction.hog_detector import HogFaceDetector

    assert HogFaceDetector().detect(np.full((360, 640, 3), 128, np.uint8)) == []
