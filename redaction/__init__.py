"""Automatic face redaction of footage for public release. Plain Python: no Django here.

    redact_video(input, output, mode="blur", log_path=..., extra_regions=..., suppressed=[TrackMark],
                 mute_ranges=..., bleep_ranges=..., progress=...) -> RedactionResult
    scan_for_unhidden_faces(video) -> [(frame_index, box, score)]
"""
from .check import scan_for_unhidden_faces
from .media import MediaError
from .pipeline import PIPELINE_VERSION, RedactionError, RedactionResult, RedactionSettings, redact_video
from .regions import ManualRegion, TrackMark

__all__ = [
    "PIPELINE_VERSION",
    "ManualRegion",
    "MediaError",
    "RedactionError",
    "RedactionResult",
    "RedactionSettings",
    "TrackMark",
    "redact_video",
    "scan_for_unhidden_faces",
]
