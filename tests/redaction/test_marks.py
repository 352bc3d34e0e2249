"""A reviewer's "leave this track unhidden" follows the face, not the track's number."""
from __future__ import annotations

from redaction.regions import TrackMark, frame_ranges, match_marks, spared_boxes
from redaction.regions_log import TrackRecord

AGENT = [[f, 100.0 + f, 50.0, 180.0 + f, 150.0] for f in range(10)]
BYSTANDER = [[f, 600.0 - f, 60.0, 660.0 - f, 140.0] for f in range(10)]


def log_tracks(agent_id, bystander_id, *, shift=0.0):
    """A regions log's tracks: the same two faces, numbered as a given render numbered them."""
    moved = [[f, x1 + shift, y1, x2 + shift, y2] for f, x1, y1, x2, y2 in AGENT]
    return [TrackRecord(id=agent_id, frames=moved), TrackRecord(id=bystander_id, frames=BYSTANDER)]


def test_a_mark_spares_the_same_face_under_another_number_and_nothing_else():
    mark = TrackMark.from_frames("c7", AGENT)  # made when the agent was track 1
    spared = match_marks(log_tracks(agent_id=2, bystander_id=1), [mark])  # a later render swapped numbers
    assert spared == {2: {"c7": 10}}


def test_boxes_a_few_pixels_off_are_still_the_same_face():
    mark = TrackMark.from_frames("c7", AGENT)
    assert match_marks(log_tracks(5, 6, shift=8.0), [mark]) == {5: {"c7": 10}}


def test_a_mark_that_no_longer_finds_its_face_spares_nothing():
    mark = TrackMark.from_frames("c7", AGENT)
    assert match_marks(log_tracks(1, 2, shift=70.0), [mark]) == {}


def test_a_mark_spares_only_the_frames_it_covers():
    mark = TrackMark.from_frames("c7", AGENT[:4])  # the earlier render found the agent late
    assert match_marks(log_tracks(1, 2), [mark]) == {1: {"c7": 4}}


def test_each_mark_spares_one_box_per_frame_the_best_overlapping():
    own = (100.0, 50.0, 180.0, 150.0)
    mark = TrackMark("c1", {0: own})
    close = (104.0, 50.0, 184.0, 150.0)
    closer = (101.0, 50.0, 181.0, 150.0)
    assert spared_boxes({3: close, 4: closer}, [mark], 0) == {4: "c1"}
    assert spared_boxes({3: close, 4: closer}, [mark], 1) == {}  # the mark has no box on frame 1


def test_frame_ranges():
    assert frame_ranges([5, 1, 2, 3, 7, 8]) == [[1, 3], [5, 5], [7, 8]]
    assert frame_ranges([]) == []
