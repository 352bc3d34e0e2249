"""The demo loaders' generated clips, each made by ffmpeg once per distinct set of arguments in a
test run and copied after that (all pytest-xdist workers together, as tests/render_cache.py does
for renders). The generator is deterministic, so a copy is the same bytes the loader would have
made: the same SHA-256 at ingest, and the same key for the render cache after it.

A demo test module opts in by importing the fixture:

    from tests.demo_clips import _demo_clips_made_once  # noqa: F401 (autouse)
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from media import sha256_file
from tests.render_cache import _alone, _write_whole


def clips_made_once(make_test_clip, folder: Path):
    folder.mkdir(parents=True, exist_ok=True)

    def cached(dst, seconds=3, size=(640, 360), with_audio=True, metadata=None, **kwargs):
        dst = Path(dst)
        audio = kwargs.get("audio_file")
        how = sorted((name, value) for name, value in kwargs.items() if name != "audio_file")
        described = repr((seconds, tuple(size), with_audio, sorted((metadata or {}).items()), how,
                          sha256_file(Path(audio)) if audio else None, dst.suffix.lower()))  # the container follows the suffix
        key = hashlib.sha256(described.encode()).hexdigest()
        copy = folder / f"{key}{dst.suffix.lower()}"
        with _alone(folder / f"{key}.lock"):
            if not copy.exists():
                made = make_test_clip(dst, seconds, size, with_audio, metadata, **kwargs)
                _write_whole(copy, lambda tmp: shutil.copyfile(made, tmp))
                return made
        shutil.copyfile(copy, dst)
        return dst

    return cached


@pytest.fixture(autouse=True, scope="module")
def _demo_clips_made_once(tmp_path_factory):
    import media
    from footage import demo

    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    cached = clips_made_once(media.make_test_clip, shared / "demo-clips")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(media, "make_test_clip", cached)  # releases.demo imports it when it makes a clip
        patch.setattr(demo, "make_test_clip", cached)
        yield
