"""Writing a file so that a reader finds the old one or the whole new one, never a part of it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_output(dst: str | os.PathLike[str], *, suffix: str = "") -> Iterator[Path]:
    """A temporary path beside `dst` to write to: when the block ends, it is flushed to disk and
    renamed over `dst`; on any failure it is deleted. Its name, `.NAME.RANDOM.part`, is one
    `sweep_partial_outputs` finds; `suffix` is added for a tool that picks its format from the name."""
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{dst.name}.{uuid.uuid4().hex[:12]}.part{suffix}")
    try:
        yield tmp
        with tmp.open("rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, dst)
        dir_fd = os.open(dst.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the rename itself survives a power loss
        finally:
            os.close(dir_fd)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def scratch_beside(dst: str | os.PathLike[str], *, suffix: str = "") -> Iterator[Path]:
    """A scratch path in `dst`'s folder (the same file system, so a later rename is atomic),
    removed when the block ends; named like `atomic_output`'s so a killed process's is swept."""
    dst = Path(dst)
    tmp = dst.with_name(f".{dst.name}.{uuid.uuid4().hex[:12]}.part{suffix}")
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)
