"""Where the tests find the shared test media (real face photos, the clip generator, score.py),
which lives beside the checkout, not in it: `../shared/media`, or `$PORTAL_SHARED_DIR/media`.

A developer's clone without it skips the tests that need it. CI must not: `.ci/run` sets
PORTAL_REQUIRE_SHARED_MEDIA, and there a missing folder fails those tests instead, so a run
cannot turn green by leaving the redaction tests out.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("PORTAL_SHARED_DIR", ROOT.parent / "shared"))
MEDIA = SHARED / "media"


def shared_media(needed: str = "make_clip.py") -> Path:
    """The shared media folder, where `needed` (a path inside it) exists; otherwise the calling
    test is skipped, or fails where the shared media is required."""
    if not (MEDIA / needed).exists():
        message = f"shared test media not found at {MEDIA} (set PORTAL_SHARED_DIR)"
        if os.environ.get("PORTAL_REQUIRE_SHARED_MEDIA"):
            pytest.fail(message + "; PORTAL_REQUIRE_SHARED_MEDIA is set")
        pytest.skip(message)
    return MEDIA
