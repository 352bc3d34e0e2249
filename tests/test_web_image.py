"""The web image carries none of the detection libraries (test_compose checks its lockfile), and
web processes stay light, so every module a web, beat or migrate process imports must load
without them: the views, the APIs,
the tasks the web sends (asking for a release enqueues a render), and the parts of the redaction
package the web uses (reading a regions log, matching a reviewer's marks)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

WITHOUT_DETECTION_LIBRARIES = r"""
import importlib, importlib.abc, pkgutil, sys

DETECTION = {"numpy", "cv2", "onnxruntime", "openvino", "dlib", "face_recognition_models", "mediapipe", "pocketsphinx"}


class NotInTheWebImage(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in DETECTION:
            raise ImportError(f"{name} is not in the web image")


sys.meta_path.insert(0, NotInTheWebImage())
import django

django.setup()
from django.apps import apps
from django.urls import get_resolver

get_resolver().url_patterns  # every view and API module behind a URL
for app in apps.get_app_configs():
    if not app.name.split(".")[0] in {"portal", "incidents", "footage", "releases", "public", "transparency"}:
        continue
    for module in ("tasks", "views", "api", "admin", "urls", "selectors"):
        if importlib.util.find_spec(f"{app.name}.{module}") is not None:
            importlib.import_module(f"{app.name}.{module}")
import portal.celery  # noqa: F401  the beat container schedules every periodic task

from redaction.regions import TrackMark, match_marks
from redaction.regions_log import RegionsLog

log = RegionsLog.from_dict({"output": {"fps": 25}, "tracks": [{"id": 1, "frames": [[0, 10, 10, 50, 60]]}]})
assert match_marks(log.tracks, [TrackMark.from_frames("c1", [[0, 10, 10, 50, 60]])]) == {1: {"c1": 1}}
print("loaded without the detection libraries")
"""


def test_the_web_processes_load_and_read_regions_without_the_detection_libraries():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", WITHOUT_DETECTION_LIBRARIES], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "loaded without the detection libraries" in proc.stdout
