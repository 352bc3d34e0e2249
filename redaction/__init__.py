"""Automatic face redaction of footage for public release. Plain Python: no Django here.

    redact_video(input, output, mode="blur", log_path=..., extra_regions=..., suppressed=[TrackMark],
                 mute_ranges=..., bleep_ranges=..., progress=...) -> RedactionResult
    scan_for_unhidden_faces(video) -> [(frame_index, box, score)]
    RegionsLog.from_dict(stored) -> what a render hid

The names below are loaded on first use: the web image reads regions logs without the detection
libraries (numpy, OpenCV, ONNX Runtime), which only the worker image carries.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "scan_for_unhidden_faces": "check",
    "MediaError": "media",
    "PIPELINE_VERSION": "pipeline",
    "RedactionError": "errors",
    "RedactionResult": "pipeline",
    "RedactionSettings": "pipeline",
    "redact_video": "pipeline",
    "ManualRegion": "regions",
    "TrackMark": "regions",
    "RegionsLog": "regions_log",
    "TrackRecord": "regions_log",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'redaction' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
