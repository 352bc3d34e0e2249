"""Media handling for evidence files, free of Django so it can be tested and run anywhere.

This package and redaction are the only code that starts subprocesses; see `runner`.
"""

from .clips import Passerby, make_speech_audio, make_test_clip, passers_by
from .errors import MediaError, MediaRejected, ProcessingError
from .hashing import IncrementalSha256, sha256_file
from .probe import MediaInfo, parse_iso6709, probe_media
from .sniff import Sniffed, sniff_file
from .transcode import (
    ImageResult, ProxyResult, StripResult, make_poster, make_proxy, make_region_thumbnail, make_thumbnail_strip,
    sweep_partial_outputs,
)

__all__ = [
    "ImageResult",
    "IncrementalSha256",
    "MediaError",
    "MediaInfo",
    "MediaRejected",
    "ProcessingError",
    "ProxyResult",
    "Sniffed",
    "StripResult",
    "make_poster",
    "make_proxy",
    "make_region_thumbnail",
    "make_speech_audio",
    "make_test_clip",
    "passers_by",
    "Passerby",
    "make_thumbnail_strip",
    "parse_iso6709",
    "probe_media",
    "sha256_file",
    "sniff_file",
    "sweep_partial_outputs",
]
