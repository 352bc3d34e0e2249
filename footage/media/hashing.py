"""SHA-256 of evidence files, streamed so a 4 GB body-cam file never sits in memory.

Resuming: hashlib objects cannot be pickled or saved, so a hash in progress lives only as long as
the process. `IncrementalSha256` keeps it in memory while an upload is being received; after a
restart, `IncrementalSha256.resume(path, offset)` rebuilds it by re-reading the bytes already
written to disk. That costs one sequential read of the prefix, once per resume, and keeps the
on-disk bytes, not a saved state, the single source of truth.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024


def sha256_file(source: str | os.PathLike[str] | BinaryIO, chunk: int = CHUNK) -> str:
    """Hex SHA-256 of a path, or of a binary file object read from its current position to EOF."""
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as f:
            return sha256_file(f, chunk)
    digest = hashlib.sha256()
    for block in iter(lambda: source.read(chunk), b""):
        digest.update(block)
    return digest.hexdigest()


class IncrementalSha256:
    """The hash of a file that grows by appended chunks (a resumable upload)."""

    def __init__(self) -> None:
        self._digest = hashlib.sha256()
        self.length = 0

    @classmethod
    def resume(cls, path: str | os.PathLike[str], length: int, chunk: int = CHUNK) -> IncrementalSha256:
        """Rebuild the state for the first `length` bytes of `path` (what was received before)."""
        hasher = cls()
        with Path(path).open("rb") as f:
            remaining = length
            while remaining:
                block = f.read(min(chunk, remaining))
                if not block:
                    raise ValueError(f"{path} has only {hasher.length} bytes, expected {length}")
                hasher.update(block)
                remaining -= len(block)
        return hasher

    def update(self, data: bytes) -> None:
        self._digest.update(data)
        self.length += len(data)

    def hexdigest(self) -> str:
        return self._digest.hexdigest()
