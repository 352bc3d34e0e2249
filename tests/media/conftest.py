"""Real files made by real ffmpeg, once per session; no Django, no database.

Run alone with: .venv/bin/python -m pytest -p no:django --confcutdir=tests/media tests/media
"""

from __future__ import annotations

from pathlib import Path

import pytest

from media import make_test_clip

TAGS = {
    "creation_time": "2024-05-01T12:34:56Z",
    "location": "+40.7128-074.0060/",
    "make": "Axon",
    "model": "Body 4",
}


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def tagged_clip(media_dir: Path) -> Path:
    """3 s, 640×360, 30 fps, H.264 + AAC, moov at the end (as cameras write it), with tags."""
    return make_test_clip(media_dir / "tagged.mp4", seconds=3, size=(640, 360), metadata=TAGS)


@pytest.fixture(scope="session")
def hd_clip(media_dir: Path) -> Path:
    return make_test_clip(media_dir / "hd.mp4", seconds=1, size=(1920, 1080), fps=30)
