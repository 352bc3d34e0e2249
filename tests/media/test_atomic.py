"""Writing a file whole or not at all: a reader finds the old file or the new one, never a part."""

from __future__ import annotations

import pytest

from media.atomic import atomic_output
from media.transcode import sweep_partial_outputs


def test_the_new_file_replaces_the_old_only_when_the_write_finishes(tmp_path):
    dst = tmp_path / "poster.jpg"
    dst.write_bytes(b"old")
    with atomic_output(dst) as tmp:
        tmp.write_bytes(b"new")
        assert dst.read_bytes() == b"old" and tmp.parent == dst.parent
    assert dst.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["poster.jpg"]


def test_a_failed_write_leaves_the_old_file_and_no_partial_one(tmp_path):
    dst = tmp_path / "proxy.mp4"
    dst.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_output(dst) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("the encoder died")
    assert dst.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["proxy.mp4"]


def test_the_partial_file_of_a_job_killed_mid_write_is_one_the_sweeper_removes(tmp_path):
    with pytest.raises(FileNotFoundError), atomic_output(tmp_path / "proxy.mp4") as tmp:
        tmp.write_bytes(b"half")
        assert sweep_partial_outputs(tmp_path, older_than=-1) == [tmp]
    assert list(tmp_path.iterdir()) == []
