"""The second-pass scanner finds faces in footage that was not redacted, and not in footage that was."""
from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT


def test_it_flags_faces_in_an_unredacted_clip(clip):
    from footage.redaction import scan_for_unhidden_faces

    found = scan_for_unhidden_faces(clip.path, every=15)
    frames = {f for f, _, _ in found}
    assert len(frames) >= 7  # faces in (nearly) every scanned frame of 8
    assert all(score >= 0.5 for _, _, score in found)


def test_it_finds_no_faces_in_the_redacted_clip(clip, blurred):
    from footage.redaction import scan_for_unhidden_faces

    before = scan_for_unhidden_faces(clip.path, every=15)
    after = scan_for_unhidden_faces(blurred.path, every=15)
    assert len(after) <= max(1, len(before) // 10), after


def test_a_copy_cut_short_is_an_error_not_a_clean_scan(blurred, tmp_path):
    """The frames after the cut were never looked at; they must not count as free of faces."""
    import pytest

    from footage.redaction import MediaError, scan_for_unhidden_faces

    data = blurred.path.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) * 6 // 10])  # the index is at the front (faststart)
    with pytest.raises(MediaError, match="to the end"):
        scan_for_unhidden_faces(cut, every=15)


def test_its_command_line_exits_1_when_it_finds_faces(clip):
    proc = subprocess.run(
        [sys.executable, "-m", "footage.redaction.check", str(clip.path), "--every", "60", "--json"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert proc.returncode == 1, proc.stderr
    assert '"frame": 0' in proc.stdout


def test_a_finding_on_a_face_two_officers_agreed_to_leave_visible_is_not_a_finding():
    """Issue 25: 52 frames of a confirmed agent's face had to be cleared one by one."""
    from footage.redaction.check import split_spared_findings
    from footage.redaction.regions import TrackMark

    agent = [[f, 100.0, 50.0, 180.0, 150.0] for f in range(0, 30)]
    bystander = [[f, 400.0, 60.0, 460.0, 140.0] for f in range(0, 30)]
    tracks = [{"id": 3, "frames": agent}, {"id": 4, "frames": bystander}]  # as this render numbered them
    decision = TrackMark.from_frames("c9", [[f, x1 + 4, y1, x2 + 4, y2] for f, x1, y1, x2, y2 in agent])  # an earlier render
    on_agent = (10, (120.0, 70.0, 160.0, 120.0), 0.9)
    on_bystander = (10, (410.0, 70.0, 450.0, 130.0), 0.8)  # hidden, yet the scan saw a face: still a finding
    after_the_track = (40, (120.0, 70.0, 160.0, 120.0), 0.9)  # where the agent was, on a frame the decision does not cover
    keep, spared = split_spared_findings([on_agent, on_bystander, after_the_track], tracks, [decision])
    assert keep == [on_bystander, after_the_track]
    assert spared == [(on_agent, "c9")]
    assert split_spared_findings([on_agent], tracks, []) == ([on_agent], [])
