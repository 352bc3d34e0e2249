"""A hidden region covers its face even where the detector placed the face box's edges as far off
as its coarse output grid allows, however small the face."""
from __future__ import annotations

import pytest

from redaction.hiding import grid_margin, head_box
from redaction.pipeline import RedactionSettings

WIDTH, HEIGHT = 1280, 720


def _covers(outer, inner) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and outer[2] >= inner[2] and outer[3] >= inner[3]


@pytest.mark.parametrize("face_height", [16, 24, 40, 96])
@pytest.mark.parametrize("error", [(1, 1, -1, -1), (0, -1, 0, -1), (0, 1, 0, 1), (-1, 0, -1, 0), (1, 0, 1, 0), (1, 1, 1, 1)])
def test_a_face_whose_box_edges_are_off_by_half_a_grid_cell_is_covered_from_brow_to_chin(face_height, error):
    off = grid_margin(WIDTH, RedactionSettings().detect_width)
    face = (600.0, 300.0, 600.0 + face_height * 0.8, 300.0 + face_height)
    # The detector's box: each edge off by the grid's error (pulled in, or the whole box moved).
    found = tuple(edge + sign * off for edge, sign in zip(face, error))
    assert _covers(head_box(found, WIDTH, HEIGHT, edge_px=off), face)
