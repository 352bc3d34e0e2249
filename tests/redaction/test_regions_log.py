"""The regions log has one reader and one writer, and the reader never fails on a stored log."""
from __future__ import annotations

import json

import pytest

from redaction.regions_log import ManualRecord, RegionsLog, TrackRecord


def a_log(**changes) -> RegionsLog:
    values = dict(
        pipeline_version="1.16",
        frames=50, width=1280, height=720, fps=25.0, mode="blur",
        tracks=[
            TrackRecord(id=1, frames=[[f, 10, 20, 60, 90] for f in range(40)], spared=[[10, 19]], best_score=0.9,
                        found_by="CenterFace: detector", cues={"detected": 8, "followed": 32}),
            TrackRecord(id=2, frames=[[f, 300, 20, 340, 70] for f in range(30, 50)], suppressed=True),
        ],
        manual_regions=[ManualRecord(id="c4", reason="licence_plate", start_frame=5, end_frame=9,
                                     keyframes=[[5, 1, 1, 20, 10]], frames=[[f, 2, 2, 40, 20] for f in range(5, 10)])],
        marks=[{"id": "c7", "frames": 20, "spared": {"2": 20}}],
        mute_ranges=[[0.5, 1.0]], bleep_ranges=[[1.5, 1.75]],
        detector={"name": "CenterFace", "model_sha256": "ab" * 32},
        input={"name": "bodycam.mp4", "width": 1920, "height": 1080},
        encoder={"codec": "libx264", "preset": "ultrafast", "qp": 25},
        timings={"total_s": 1.5},
        extra={"coordinates": "output pixels"},
    )
    return RegionsLog(**(values | changes))


def test_a_written_log_reads_back_as_it_was(tmp_path):
    log = a_log()
    path = tmp_path / "regions.json"
    log.write(path)
    assert RegionsLog.read(path) == log
    assert RegionsLog.from_dict(json.loads(json.dumps(log.as_dict()))) == log
    assert [p.name for p in tmp_path.iterdir()] == ["regions.json"]  # no temporary file left beside it


def test_what_the_release_adds_and_keys_of_a_later_pipeline_survive_a_read_and_a_write():
    stored = a_log().as_dict() | {"review_change_ids": [3, 4], "check": {"families": ["dlib HOG"]}, "new_in_2_0": {"x": 1}}
    again = RegionsLog.from_dict(stored).as_dict()
    assert again == stored


def test_hidden_frames_are_the_union_over_tracks_less_what_a_reviewer_spared():
    log = a_log()
    assert log.face_hidden_frames() == set(range(0, 10)) | set(range(20, 40))
    assert [t.id for t in log.hidden_tracks()] == [1]
    assert log.manual_regions[0].hidden_frames() == set(range(5, 10))
    assert log.track(2).suppressed and log.track(3) is None
    assert log.source_size == (1920, 1080)


def test_a_log_from_before_ranges_had_their_own_treatment_reads_its_ranges_as_bleeped():
    old = RegionsLog.from_dict({"mute_ranges": [[3, 4]], "bleep": True})
    assert old.audio_ranges() == {"mute": [], "bleep": [[3.0, 4.0]]}


@pytest.mark.parametrize("stored", [
    None, [], "a string", {"tracks": "x"}, {"tracks": [None, 3, {"id": True}, {"id": "1"}]},
    {"output": {"fps": "NaN", "width": "wide"}, "frames": -1.5},
    {"tracks": [{"id": 1, "frames": [[0, 1, 2], ["a", 1, 2, 3, 4], [True, 1, 2, 3, 4], [-1, 1, 2, 3, 4], [0, 1, 2, float("inf"), 4],
                                [0, float("nan"), 2, 3, 4], [0, 1, None, 3, 4], [0, False, 2, 3, 4], "0,1,2,3,4"]}]},
    {"manual_regions": [{"start_frame": "x"}], "marks": {"c1": 1}, "mute_ranges": [[1], ["a", "b"], None]},
])
def test_a_malformed_stored_log_reads_as_what_can_be_read_never_an_error(stored):
    log = RegionsLog.from_dict(stored)
    assert log.fps == 0 or log.fps > 0
    assert all(t.frames == [] for t in log.tracks)
    assert log.face_hidden_frames() == set()
    assert all(r.hidden_frames() == set() for r in log.manual_regions)
    assert log.mute_ranges == [] and log.marks == []
    json.dumps(log.as_dict())  # and it can be stored again
