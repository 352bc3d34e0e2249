"""Typed failures of the media layer.

Two kinds, because callers treat them differently: a `MediaRejected` is the uploader's problem
(the file is not acceptable and never will be; show them the message), a `ProcessingError` is ours
(the file may be fine but a tool failed, ran out of time or memory; retry or investigate).
"""

from __future__ import annotations


class MediaError(Exception):
    """Base of every error this package raises; `code` is stable, `message` is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class MediaRejected(MediaError):
    """The file is not acceptable evidence media.

    Codes: empty, not_media, svg, polyglot, truncated, too_large, decompression_bomb, unreadable,
    timeout.
    """


class ProcessingError(MediaError):
    """A tool failed on a file we had accepted.

    Codes: timeout, resource_limit, tool_failed, cancelled, unsupported.
    """
