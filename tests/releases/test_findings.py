"""What the second check hands the reviewer: one finding per face left visible over a run of
frames, not one per frame it looked at."""

from __future__ import annotations

import hashlib

from releases.rendering import reviewable_findings


def test_one_face_seen_on_many_frames_is_one_finding_with_its_first_and_last_frame():
    box = (100, 100, 160, 170)
    scanned = [(frame, box, 0.8) for frame in range(30, 61, 2)] + [(200, (500, 80, 540, 130), 0.6)]

    findings = reviewable_findings(scanned, fps=30)

    assert [(f["frame"], f["last"], f["frames"]) for f in findings] == [(30, 60, 16), (200, 200, 1)]
    assert findings[0]["seconds"] == 1.0 and findings[0]["until_seconds"] == 2.0
    assert findings[0]["score"] == 0.8 and findings[0]["box"] == list(box)


def test_two_faces_on_the_same_frames_stay_two_findings():
    scanned = [(f, (10, 10, 50, 60), 0.7) for f in (4, 6, 8)] + [(f, (400, 10, 440, 60), 0.9) for f in (4, 6, 8)]

    assert len(reviewable_findings(scanned, fps=25)) == 2


def test_the_render_log_names_what_the_check_looked_with(in_review):
    """Another dlib or another model file can find other faces: a check is repeatable only with the same."""
    import dlib

    from redaction.check import CHECK_VERSION
    from redaction.detector import model_path

    check = in_review.redaction_log["check"]
    assert check["version"] == CHECK_VERSION  # how it looked changes with the check, not only its models

    hog, centerface = check["detectors"]["hog"], check["detectors"]["centerface"]
    assert hog["software"]["dlib"] == dlib.__version__
    assert len(hog["model_sha256"]) == 64
    with open(model_path(), "rb") as model:
        assert centerface["model_sha256"] == hashlib.file_digest(model, "sha256").hexdigest()
