"""The face model is part of the project, not borrowed from another package's install."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from redaction import detector

ROOT = Path(__file__).resolve().parents[2]


def test_the_detector_reads_the_model_shipped_in_the_redaction_package_with_its_licence_and_sum():
    path = detector.model_path()
    assert path.parent == ROOT / "redaction" / "models"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == detector.MODEL_SHA256
    assert (path.parent / "LICENSE-CenterFace").read_text().startswith("MIT License")
    assert detector.MODEL_SHA256 in (path.parent / "README.md").read_text()


def test_the_detector_refuses_a_model_file_other_than_the_one_measured(tmp_path, monkeypatch):
    other = tmp_path / "centerface.onnx"
    shutil.copyfile(detector.model_path(), other)
    with other.open("ab") as f:
        f.write(b"\0")
    monkeypatch.setattr(detector, "model_path", lambda: other)
    with pytest.raises(RuntimeError, match="not the CenterFace model"):
        detector.FaceDetector()
