"""A box added by hand covers the time the reviewer chose, never silently one frame."""
from __future__ import annotations

import pytest

from releases import review
from releases.errors import ReleaseRefused
from releases.review import source_geometry
from releases.workflow import apply_release_transition
from tests.factories.releases import render_pending
from tests.releases.data_per_module import case, footage, in_review, people  # noqa: F401 (made once for the module)

pytestmark = pytest.mark.django_db


def box_at(frame: int) -> list:
    return [frame, 10, 10, 60, 60]


def test_it_refuses_a_single_box_without_a_time_range(in_review, people):
    with pytest.raises(ReleaseRefused) as err:
        review.add_change(in_review, {"kind": "manual", "keyframes": [box_at(5)], "reason": "licence_plate"},
                          actor=people.officer)
    assert err.value.field == "start_frame" and "single frame" in err.value.message


def test_a_single_box_with_a_range_in_seconds_covers_every_frame_of_it(in_review, people):
    geo = source_geometry(in_review)
    fps, frames = geo["fps"], int(geo["frames"])
    start, end = 0.2 * frames / fps, 0.8 * frames / fps
    change = review.add_change(
        in_review, {"kind": "manual", "keyframes": [box_at(frames // 2)], "reason": "licence_plate",
                    "start_seconds": start, "end_seconds": end}, actor=people.officer,
    )
    assert (change.start_frame, change.end_frame) == (round(start * fps), round(end * fps) - 1)
    assert change.end_frame - change.start_frame > frames // 2


def test_it_refuses_a_range_that_leaves_a_drawn_box_outside(in_review, people):
    with pytest.raises(ReleaseRefused) as err:
        review.add_change(
            in_review, {"kind": "manual", "keyframes": [box_at(20)], "reason": "minor",
                        "start_seconds": 0.0, "end_seconds": 0.3}, actor=people.officer,
        )
    assert err.value.field == "start_seconds" and "within" in err.value.message


def test_it_refuses_a_range_that_ends_before_it_starts(in_review, people):
    with pytest.raises(ReleaseRefused) as err:
        review.add_change(
            in_review, {"kind": "manual", "keyframes": [box_at(5)], "reason": "minor",
                        "start_frame": 9, "end_frame": 2}, actor=people.officer,
        )
    assert err.value.field == "end_frame"


def test_the_render_follows_a_one_keyframe_box_over_every_frame_of_its_range_and_logs_them(in_review, people):
    geo = source_geometry(in_review)
    frames = int(geo["frames"])
    change = review.add_change(
        in_review, {"kind": "manual", "keyframes": [box_at(frames // 2)], "reason": "licence_plate",
                    "start_frame": 1, "end_frame": frames - 2}, actor=people.officer,
    )
    apply_release_transition(in_review, "rerender", actor=people.officer)
    render_pending(in_review)

    [logged] = in_review.redaction_log["manual_regions"]
    assert logged["id"] == f"c{change.pk}"
    assert [f[0] for f in logged["frames"]] == list(range(1, frames - 1))
    # On its keyframe the box was followed, not held: the tracked box carries a margin (50 px + 2 x 10%).
    sx = in_review.redaction_log["output"]["width"] / geo["width"]
    _, x1, _, x2, _ = next(f for f in logged["frames"] if f[0] == frames // 2)
    assert x2 - x1 == pytest.approx(60 * sx, abs=0.5)
    # The review page draws the box where the render followed it.
    from releases.review_data import review_payload

    [drawn] = [c for c in review_payload(in_review, people.officer)["changes"] if c["id"] == change.pk]
    assert drawn["followed"] == logged["frames"]
    # So the public page says how long it was really hidden, not one frame's worth.
    from public.selectors import redaction_seconds

    fps_out = in_review.redaction_log["output"]["fps"]
    assert redaction_seconds(in_review.redaction_log)["by_reason"]["licence_plate"] == pytest.approx((frames - 2) / fps_out)
